// SPDX-License-Identifier: GPL-2.0-only
/*
 * mtty: the 16550A UART model. No locking here; the PCI shell serialises
 * every access to a card.
 */

#include <linux/bitfield.h>
#include <linux/string.h>

#include "mtty_uart.h"

static const u8 mtty_uart_trigger_levels[] = { 1, 4, 8, 14 };

static bool mtty_uart_fifo(const struct mtty_uart_regs *r)
{
	return r->fcr & MTTY_FCR_ENABLE;
}

static unsigned int mtty_uart_trigger(const struct mtty_uart_regs *r)
{
	if (!mtty_uart_fifo(r))
		return 1;
	return mtty_uart_trigger_levels[FIELD_GET(MTTY_FCR_TRIGGER, r->fcr)];
}

static unsigned int mtty_uart_capacity(const struct mtty_uart_regs *r)
{
	return mtty_uart_fifo(r) ? MTTY_UART_FIFO : 1;
}

static void mtty_uart_clear_rx(struct mtty_uart_regs *r)
{
	r->rx_head = 0;
	r->rx_count = 0;
}

/* A full receiver drops the new byte and flags an overrun. */
static void mtty_uart_receive(struct mtty_uart *u, u8 byte)
{
	struct mtty_uart_regs *r = &u->regs;

	if (r->rx_count >= mtty_uart_capacity(r)) {
		r->overrun = 1;
		return;
	}
	r->rx[(r->rx_head + r->rx_count) % MTTY_UART_FIFO] = byte;
	r->rx_count++;
}

static u8 mtty_uart_pop(struct mtty_uart *u)
{
	struct mtty_uart_regs *r = &u->regs;
	u8 byte;

	if (!r->rx_count)
		return 0;
	byte = r->rx[r->rx_head];
	r->rx_head = (r->rx_head + 1) % MTTY_UART_FIFO;
	r->rx_count--;
	return byte;
}

static bool mtty_uart_loop(const struct mtty_uart *u)
{
	return u->regs.mcr & MTTY_MCR_LOOP;
}

/* Where a transmitted byte goes; NULL when nothing listens. */
static struct mtty_uart *mtty_uart_sink(struct mtty_uart *u)
{
	if (mtty_uart_loop(u))
		return u;
	if (mtty_uart_loop(u->peer))
		return NULL;
	return u->peer;
}

/* The modem status inputs of @u, from its own MCR in loopback mode. */
static u8 mtty_uart_modem_inputs(const struct mtty_uart *u)
{
	const struct mtty_uart *p = u->peer;
	u8 in = 0;

	if (mtty_uart_loop(u)) {
		if (u->regs.mcr & MTTY_MCR_RTS)
			in |= MTTY_MSR_CTS;
		if (u->regs.mcr & MTTY_MCR_DTR)
			in |= MTTY_MSR_DSR;
		if (u->regs.mcr & MTTY_MCR_OUT1)
			in |= MTTY_MSR_RI;
		if (u->regs.mcr & MTTY_MCR_OUT2)
			in |= MTTY_MSR_DCD;
		return in;
	}
	if (mtty_uart_loop(p))
		return 0;
	/* A null-modem cable: RTS to CTS, DTR to DSR and DCD. */
	if (p->regs.mcr & MTTY_MCR_RTS)
		in |= MTTY_MSR_CTS;
	if (p->regs.mcr & MTTY_MCR_DTR)
		in |= MTTY_MSR_DSR | MTTY_MSR_DCD;
	return in;
}

static void mtty_uart_modem_update(struct mtty_uart *u)
{
	u8 old = u->regs.msr, in = mtty_uart_modem_inputs(u);
	u8 delta = old & MTTY_MSR_DELTAS;
	u8 changed = old ^ in;

	if (changed & MTTY_MSR_CTS)
		delta |= MTTY_MSR_DCTS;
	if (changed & MTTY_MSR_DSR)
		delta |= MTTY_MSR_DDSR;
	if ((old & MTTY_MSR_RI) && !(in & MTTY_MSR_RI))
		delta |= MTTY_MSR_TERI;
	if (changed & MTTY_MSR_DCD)
		delta |= MTTY_MSR_DDCD;
	u->regs.msr = in | delta;
}

static u8 mtty_uart_iir(const struct mtty_uart *u)
{
	const struct mtty_uart_regs *r = &u->regs;
	u8 id;

	if ((r->ier & MTTY_IER_RLSI) && r->overrun)
		id = MTTY_IIR_RLSI;
	else if ((r->ier & MTTY_IER_RDI) && r->rx_count >= mtty_uart_trigger(r))
		id = MTTY_IIR_RDI;
	else if ((r->ier & MTTY_IER_RDI) && r->rx_count)
		/* Transmission is instantaneous, so is the timeout. */
		id = MTTY_IIR_TIMEOUT;
	else if ((r->ier & MTTY_IER_THRI) && r->thre)
		id = MTTY_IIR_THRI;
	else if ((r->ier & MTTY_IER_MSI) && (r->msr & MTTY_MSR_DELTAS))
		id = MTTY_IIR_MSI;
	else
		id = MTTY_IIR_NO_INT;

	if (mtty_uart_fifo(r))
		id |= MTTY_IIR_FIFO;
	return id;
}

/**
 * mtty_uart_irq() - the level of a UART's interrupt output
 * @u: the UART
 *
 * Return: true while an enabled interrupt is pending.
 */
bool mtty_uart_irq(const struct mtty_uart *u)
{
	return !(mtty_uart_iir(u) & MTTY_IIR_NO_INT);
}

/**
 * mtty_uart_reset() - put a UART in its power-on state
 * @u: the UART; its @peer link is kept
 */
void mtty_uart_reset(struct mtty_uart *u)
{
	memset(&u->regs, 0, sizeof(u->regs));
}

/**
 * mtty_uart_read() - read a UART register
 * @u: the UART
 * @reg: register offset, 0 to 7
 *
 * Return: the register value; reads of RBR, IIR, LSR and MSR have the side
 * effects of the real part.
 */
u8 mtty_uart_read(struct mtty_uart *u, unsigned int reg)
{
	struct mtty_uart_regs *r = &u->regs;
	bool dlab = r->lcr & MTTY_LCR_DLAB;
	u8 val;

	switch (reg) {
	case MTTY_RBR:
		return dlab ? r->dll : mtty_uart_pop(u);
	case MTTY_IER:
		return dlab ? r->dlm : r->ier;
	case MTTY_IIR:
		val = mtty_uart_iir(u);
		if ((val & ~MTTY_IIR_FIFO) == MTTY_IIR_THRI)
			r->thre = 0;
		return val;
	case MTTY_LCR:
		return r->lcr;
	case MTTY_MCR:
		return r->mcr;
	case MTTY_LSR:
		val = MTTY_LSR_THRE | MTTY_LSR_TEMT;
		if (r->rx_count)
			val |= MTTY_LSR_DR;
		if (r->overrun)
			val |= MTTY_LSR_OE;
		r->overrun = 0;
		return val;
	case MTTY_MSR:
		val = r->msr;
		r->msr &= ~MTTY_MSR_DELTAS;
		return val;
	case MTTY_SCR:
		return r->scr;
	}
	return 0xff;
}

/**
 * mtty_uart_write() - write a UART register
 * @u: the UART
 * @reg: register offset, 0 to 7
 * @val: the value
 */
void mtty_uart_write(struct mtty_uart *u, unsigned int reg, u8 val)
{
	struct mtty_uart_regs *r = &u->regs;
	bool dlab = r->lcr & MTTY_LCR_DLAB;
	struct mtty_uart *sink;

	switch (reg) {
	case MTTY_THR:
		if (dlab) {
			r->dll = val;
			break;
		}
		sink = mtty_uart_sink(u);
		if (sink)
			mtty_uart_receive(sink, val);
		/* The byte left at once: THR is empty again. */
		r->thre = 1;
		break;
	case MTTY_IER:
		if (dlab) {
			r->dlm = val;
			break;
		}
		if ((val & MTTY_IER_THRI) && !(r->ier & MTTY_IER_THRI))
			r->thre = 1;
		r->ier = val & MTTY_IER_MASK;
		break;
	case MTTY_FCR:
		if ((val ^ r->fcr) & MTTY_FCR_ENABLE || val & MTTY_FCR_CLEAR_RX)
			mtty_uart_clear_rx(r);
		r->fcr = val & (MTTY_FCR_ENABLE | MTTY_FCR_TRIGGER);
		break;
	case MTTY_LCR:
		r->lcr = val;
		break;
	case MTTY_MCR:
		r->mcr = val & MTTY_MCR_MASK;
		mtty_uart_modem_update(u);
		if (u->peer != u)
			mtty_uart_modem_update(u->peer);
		break;
	case MTTY_SCR:
		r->scr = val;
		break;
	}
}

/**
 * mtty_uart_regs_valid() - check migrated UART state before loading it
 * @regs: the state
 *
 * Return: true if @regs is a state the model can be in.
 */
bool mtty_uart_regs_valid(const struct mtty_uart_regs *regs)
{
	return regs->rx_head < MTTY_UART_FIFO &&
	       regs->rx_count <= mtty_uart_capacity(regs) &&
	       !(regs->ier & ~MTTY_IER_MASK) && !(regs->mcr & ~MTTY_MCR_MASK) &&
	       regs->overrun <= 1 && regs->thre <= 1;
}
