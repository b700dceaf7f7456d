/*
 * Palisade's C shim: out-of-line wrappers for the DPDK functions that are
 * `static inline` in the headers (bindgen cannot link to those).
 */
#ifndef PALISADE_SHIM_H
#define PALISADE_SHIM_H

#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

uint16_t pal_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t pal_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
struct rte_mbuf *pal_pktmbuf_alloc(struct rte_mempool *pool);
int pal_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **pkts, unsigned int n);
void pal_pktmbuf_free(struct rte_mbuf *m);
void pal_pktmbuf_free_bulk(struct rte_mbuf **pkts, unsigned int n);
int pal_errno(void);
unsigned int pal_lcore_id(void);
uint64_t pal_rdtsc(void);
unsigned int pal_mempool_avail(const struct rte_mempool *pool);

#endif
