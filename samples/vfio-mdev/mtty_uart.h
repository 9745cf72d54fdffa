/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mtty: a 16550A UART model. The transmitter is instantaneous: a byte
 * written to THR lands at once in the receive FIFO of the port at the other
 * end of the cable (the port itself on a one-port card, the other port on
 * a two-port card, or the port itself in MCR loopback mode).
 */
#ifndef MTTY_UART_H
#define MTTY_UART_H

#include <linux/bits.h>
#include <linux/types.h>

#define MTTY_UART_REGS		8
#define MTTY_UART_FIFO		16

/* Register offsets; with LCR.DLAB set, 0 and 1 are the divisor latch. */
#define MTTY_RBR		0	/* read: receive buffer */
#define MTTY_THR		0	/* write: transmit holding */
#define MTTY_IER		1
#define MTTY_IIR		2	/* read */
#define MTTY_FCR		2	/* write */
#define MTTY_LCR		3
#define MTTY_MCR		4
#define MTTY_LSR		5
#define MTTY_MSR		6
#define MTTY_SCR		7

#define MTTY_IER_RDI		BIT(0)	/* received data available */
#define MTTY_IER_THRI		BIT(1)	/* THR empty */
#define MTTY_IER_RLSI		BIT(2)	/* receiver line status */
#define MTTY_IER_MSI		BIT(3)	/* modem status */
#define MTTY_IER_MASK		GENMASK(3, 0)

#define MTTY_IIR_NO_INT		0x01
#define MTTY_IIR_MSI		0x00
#define MTTY_IIR_THRI		0x02
#define MTTY_IIR_RDI		0x04
#define MTTY_IIR_RLSI		0x06
#define MTTY_IIR_TIMEOUT	0x0c
#define MTTY_IIR_FIFO		GENMASK(7, 6)

#define MTTY_FCR_ENABLE		BIT(0)
#define MTTY_FCR_CLEAR_RX	BIT(1)
#define MTTY_FCR_CLEAR_TX	BIT(2)
#define MTTY_FCR_TRIGGER	GENMASK(7, 6)

#define MTTY_LCR_DLAB		BIT(7)

#define MTTY_MCR_DTR		BIT(0)
#define MTTY_MCR_RTS		BIT(1)
#define MTTY_MCR_OUT1		BIT(2)
#define MTTY_MCR_OUT2		BIT(3)
#define MTTY_MCR_LOOP		BIT(4)
#define MTTY_MCR_MASK		GENMASK(4, 0)

#define MTTY_LSR_DR		BIT(0)
#define MTTY_LSR_OE		BIT(1)
#define MTTY_LSR_THRE		BIT(5)
#define MTTY_LSR_TEMT		BIT(6)

#define MTTY_MSR_DELTAS		GENMASK(3, 0)
#define MTTY_MSR_DCTS		BIT(0)
#define MTTY_MSR_DDSR		BIT(1)
#define MTTY_MSR_TERI		BIT(2)
#define MTTY_MSR_DDCD		BIT(3)
#define MTTY_MSR_CTS		BIT(4)
#define MTTY_MSR_DSR		BIT(5)
#define MTTY_MSR_RI		BIT(6)
#define MTTY_MSR_DCD		BIT(7)

/**
 * struct mtty_uart_regs - the state of one UART, as migrated
 * @ier: interrupt enable
 * @lcr: line control
 * @mcr: modem control
 * @msr: modem status, delta bits included
 * @scr: scratch
 * @fcr: last FIFO control written (trigger level and enable)
 * @dll: divisor latch, low byte
 * @dlm: divisor latch, high byte
 * @overrun: a byte was lost since LSR was last read
 * @thre: the THR empty interrupt is pending
 * @rx_head: index of the oldest byte in @rx
 * @rx_count: bytes in @rx
 * @rx: the receive FIFO
 */
struct mtty_uart_regs {
	u8 ier;
	u8 lcr;
	u8 mcr;
	u8 msr;
	u8 scr;
	u8 fcr;
	u8 dll;
	u8 dlm;
	u8 overrun;
	u8 thre;
	u8 rx_head;
	u8 rx_count;
	u8 rx[MTTY_UART_FIFO];
};

/**
 * struct mtty_uart - one UART of the card
 * @regs: its state
 * @peer: the UART at the other end of its cable
 */
struct mtty_uart {
	struct mtty_uart_regs regs;
	struct mtty_uart *peer;
};

void mtty_uart_reset(struct mtty_uart *u);
u8 mtty_uart_read(struct mtty_uart *u, unsigned int reg);
void mtty_uart_write(struct mtty_uart *u, unsigned int reg, u8 val);
bool mtty_uart_irq(const struct mtty_uart *u);
bool mtty_uart_regs_valid(const struct mtty_uart_regs *regs);

#endif /* MTTY_UART_H */
