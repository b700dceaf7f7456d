/*
 * Out-of-line copies of DPDK's static inline functions, so that Rust can call
 * them. Each one only forwards its arguments; no logic lives here.
 */
#include "wrapper.h"

uint16_t pal_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port, queue, pkts, n);
}

uint16_t pal_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(port, queue, pkts, n);
}

struct rte_mbuf *pal_pktmbuf_alloc(struct rte_mempool *pool)
{
	return rte_pktmbuf_alloc(pool);
}

int pal_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **pkts, unsigned int n)
{
	return rte_pktmbuf_alloc_bulk(pool, pkts, n);
}

void pal_pktmbuf_free(struct rte_mbuf *m)
{
	rte_pktmbuf_free(m);
}

void pal_pktmbuf_free_bulk(struct rte_mbuf **pkts, unsigned int n)
{
	rte_pktmbuf_free_bulk(pkts, n);
}

int pal_errno(void)
{
	return rte_errno;
}

unsigned int pal_lcore_id(void)
{
	return rte_lcore_id();
}

uint64_t pal_rdtsc(void)
{
	return rte_rdtsc();
}

unsigned int pal_mempool_avail(const struct rte_mempool *pool)
{
	return rte_mempool_avail_count(pool);
}
