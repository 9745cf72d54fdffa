// SPDX-License-Identifier: GPL-2.0
/*
 * fbpattern: one test pattern for a framebuffer and for what a display
 * shows of it, so that the guest that draws it and the host that looks at
 * the screen agree on every pixel.
 *
 *   fbpattern draw <fbdev>          draw the pattern on the visible screen
 *                                   through a mapping, and read it back
 *   fbpattern vsync <fbdev> <n>     wait for n vertical syncs
 *                                   (FBIO_WAITFORVSYNC)
 *   fbpattern check <ppm> <w> <h>   compare a binary PPM (a screendump)
 *                                   with the pattern of a w x h screen
 *
 * Every pixel of a screen up to 4096 x 4096 has its own colour, so a
 * shifted, scaled, clipped or stale picture cannot match. Exit status 0
 * when everything matched, 1 otherwise, with the reason on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* How many mismatching pixels to name before giving only the count. */
#define MAX_REPORTED	5

struct rgb {
	uint8_t r, g, b;
};

/* The pattern: x and y spread over the three channels, 12 bits each. */
static struct rgb pattern(unsigned int x, unsigned int y)
{
	struct rgb c = {
		.r = x & 0xff,
		.g = y & 0xff,
		.b = ((x >> 8) & 0xf) | ((y >> 8) & 0xf) << 4,
	};

	/* Not black at the origin, nor anywhere a blank screen is. */
	c.r ^= 0x5a;
	c.g ^= 0xa5;
	return c;
}

/* Say what went wrong with @path on stderr; 1, the failing status. */
#define complain(path, fmt, ...) \
	(fprintf(stderr, "fbpattern: %s: " fmt "\n", path, ##__VA_ARGS__), 1)

static unsigned int rgb24(uint8_t r, uint8_t g, uint8_t b)
{
	return r << 16 | g << 8 | b;
}

static int bitfield_ok(const struct fb_bitfield *f)
{
	return f->length == 8 && f->offset <= 24 && f->offset % 8 == 0 &&
	       !f->msb_right;
}

static uint32_t fb_pixel(const struct fb_var_screeninfo *var,
			 struct rgb c)
{
	return (uint32_t)c.r << var->red.offset |
	       (uint32_t)c.g << var->green.offset |
	       (uint32_t)c.b << var->blue.offset;
}

static int draw(const char *path)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	unsigned int x, y, bad = 0;
	uint32_t mask;
	uint8_t *fb;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return complain(path, "cannot open: %s", strerror(errno));
	if (ioctl(fd, FBIOGET_VSCREENINFO, &var) ||
	    ioctl(fd, FBIOGET_FSCREENINFO, &fix))
		return complain(path, "no screen info: %s", strerror(errno));
	if (var.bits_per_pixel != 32 || !bitfield_ok(&var.red) ||
	    !bitfield_ok(&var.green) || !bitfield_ok(&var.blue) ||
	    fix.line_length < var.xres * 4 ||
	    (uint64_t)fix.line_length * (var.yoffset + var.yres) >
	    fix.smem_len)
		return complain(path, "not 32 bpp 8:8:8: %ux%u, %u bpp, stride %u, %u bytes",
				var.xres, var.yres, var.bits_per_pixel,
				fix.line_length, fix.smem_len);
	fb = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  0);
	if (fb == MAP_FAILED)
		return complain(path, "cannot map: %s", strerror(errno));
	fb += (size_t)fix.line_length * var.yoffset + var.xoffset * 4;

	for (y = 0; y < var.yres; y++) {
		uint32_t *row = (uint32_t *)(fb + (size_t)fix.line_length * y);

		for (x = 0; x < var.xres; x++)
			row[x] = fb_pixel(&var, pattern(x, y));
	}
	/* The mapping may be write-combined: push the writes out. */
	__sync_synchronize();

	mask = fb_pixel(&var, (struct rgb){ 0xff, 0xff, 0xff });
	for (y = 0; y < var.yres; y++) {
		uint32_t *row = (uint32_t *)(fb + (size_t)fix.line_length * y);

		for (x = 0; x < var.xres; x++) {
			uint32_t want = fb_pixel(&var, pattern(x, y));

			if ((row[x] & mask) == want)
				continue;
			if (bad++ < MAX_REPORTED)
				(void)complain(path, "pixel %u,%u reads %#010x, drew %#010x",
					       x, y, row[x], want);
		}
	}
	if (bad)
		return complain(path, "%u of %u pixels read back wrong", bad,
				var.xres * var.yres);
	printf("%s: drew %ux%u\n", path, var.xres, var.yres);
	return 0;
}

static int wait_vsyncs(const char *path, unsigned int n)
{
	unsigned int i;
	uint32_t crtc = 0;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return complain(path, "cannot open: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		if (ioctl(fd, FBIO_WAITFORVSYNC, &crtc))
			return complain(path, "FBIO_WAITFORVSYNC %u of %u: %s",
					i + 1, n, strerror(errno));
	}
	printf("%s: %u vsyncs\n", path, n);
	return 0;
}

/* The next number of a PPM header, past blanks and comments. */
static int ppm_number(FILE *f, unsigned int *val)
{
	int c;

	for (;;) {
		c = getc(f);
		if (c == '#') {
			while (c != '\n' && c != EOF)
				c = getc(f);
		} else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			break;
		}
	}
	if (c < '0' || c > '9')
		return -1;
	*val = 0;
	while (c >= '0' && c <= '9') {
		*val = *val * 10 + (c - '0');
		if (*val > 1000000)
			return -1;
		c = getc(f);
	}
	/* One blank ends the number; after maxval, the pixels start. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ? 0 : -1;
}

static int check(const char *path, unsigned int w, unsigned int h)
{
	unsigned int pw, ph, maxval, x, y, bad = 0;
	uint8_t px[3];
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return complain(path, "cannot open: %s", strerror(errno));
	if (getc(f) != 'P' || getc(f) != '6' || ppm_number(f, &pw) ||
	    ppm_number(f, &ph) || ppm_number(f, &maxval) || maxval != 255)
		return complain(path, "not a binary PPM of 8-bit channels");
	if (pw != w || ph != h)
		return complain(path, "the picture is %ux%u, the screen %ux%u",
				pw, ph, w, h);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			struct rgb want = pattern(x, y);

			if (fread(px, 3, 1, f) != 1)
				return complain(path, "ends at pixel %u,%u", x,
						y);
			if (px[0] == want.r && px[1] == want.g &&
			    px[2] == want.b)
				continue;
			if (bad++ < MAX_REPORTED)
				(void)complain(path, "pixel %u,%u is %06x, want %06x",
					       x, y, rgb24(px[0], px[1], px[2]),
					       rgb24(want.r, want.g, want.b));
		}
	}
	if (getc(f) != EOF)
		return complain(path, "data after the last pixel");
	fclose(f);
	if (bad)
		return complain(path, "%u of %u pixels differ", bad, w * h);
	printf("%s: %ux%u, every pixel as drawn\n", path, w, h);
	return 0;
}

static int print_usage(void)
{
	fprintf(stderr, "usage: fbpattern draw <fbdev>\n"
		"       fbpattern vsync <fbdev> <count>\n"
		"       fbpattern check <ppm> <width> <height>\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "draw"))
		return draw(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "vsync"))
		return wait_vsyncs(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "check"))
		return check(argv[2], strtoul(argv[3], NULL, 0),
			     strtoul(argv[4], NULL, 0));
	return print_usage();
}
