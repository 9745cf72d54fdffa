/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mtty: a PCI card of 16550A UARTs as a VFIO mediated device. The UART
 * model (mtty_uart.c), the PCI shell and VFIO device (mtty_pci.c) and live
 * migration (mtty_mig.c) share this header.
 */
#ifndef MTTY_H
#define MTTY_H

#include <linux/mutex.h>
#include <linux/vfio.h>
#include <linux/vfio_irqs.h>

#include "mtty_uart.h"

#define MTTY_MAX_PORTS		2
#define MTTY_CONFIG_SIZE	256

struct mtty_mig_file;

/**
 * struct mtty_card - one mtty instance
 * @vdev: the VFIO device
 * @irqs: the interrupt frontend
 * @nr_ports: UARTs on the card, one I/O BAR each
 * @lock: serialises register and config space access, @line and @stopped
 * @config: the emulated config space
 * @line: the combined interrupt output of the UARTs, as last delivered
 * @stopped: migration stopped the device; its BARs read as all ones
 * @host_irq: software Linux IRQ backing MSI vector 0 (host_irq mode), or 0
 * @ports: the UARTs
 * @mig_lock: serialises migration state changes and the migration files
 * @mig_state: the VFIO migration state
 * @saving: the data transfer file of a saving session, or NULL
 * @resuming: the data transfer file of a resuming session, or NULL
 */
struct mtty_card {
	struct vfio_device vdev;
	struct vfio_irqs irqs;
	unsigned int nr_ports;
	struct mutex lock;		/* registers, config, line */
	u8 config[MTTY_CONFIG_SIZE];
	bool line;
	bool stopped;
	unsigned int host_irq;
	struct mtty_uart ports[MTTY_MAX_PORTS];
	struct mutex mig_lock;		/* migration state and files */
	enum vfio_device_mig_state mig_state;
	struct mtty_mig_file *saving;
	struct mtty_mig_file *resuming;
};

/* mtty_pci.c */
void mtty_update_irq(struct mtty_card *card);
void mtty_card_reset(struct mtty_card *card);
void mtty_config_load(struct mtty_card *card, const u8 *config);

/* mtty_mig.c */
extern const struct vfio_migration_ops mtty_mig_ops;
extern const struct vfio_log_ops mtty_log_ops;
void mtty_mig_init(struct mtty_card *card);
void mtty_mig_reset(struct mtty_card *card);

#endif /* MTTY_H */
