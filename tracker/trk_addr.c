/* trk_addr.c - peers per source address; see trk_addr.h. */
#include "trk_addr.h"

#include <stdlib.h>
#include <string.h>

int trk_addrs_init(struct trk_addrs *a)
{
	a->n = 0;
	a->mask = 15;
	a->slots = calloc(a->mask + 1, sizeof(*a->slots));
	return a->slots ? 0 : -1;
}

void trk_addrs_free(struct trk_addrs *a)
{
	free(a->slots);
	a->slots = NULL;
}

/* The slot of ip, or the free slot where it would go. */
static uint32_t slot_of(const struct trk_addrs *a, const uint8_t ip[16], uint32_t h)
{
	uint32_t i = h & a->mask;

	while (a->slots[i].npeers && (a->slots[i].h != h || memcmp(a->slots[i].ip, ip, 16)))
		i = (i + 1) & a->mask;
	return i;
}

uint32_t trk_addrs_count(const struct trk_addrs *a, const uint8_t ip[16], uint32_t h)
{
	return a->slots[slot_of(a, ip, h)].npeers;
}

static int grow(struct trk_addrs *a)
{
	uint32_t nmask = a->mask * 2 + 1;
	struct trk_addr *old = a->slots, *ns = calloc((size_t)nmask + 1, sizeof(*ns));

	if (!ns)
		return -1;
	a->slots = ns;
	for (uint32_t i = 0; i <= a->mask; i++)
		if (old[i].npeers) {
			uint32_t j = old[i].h & nmask;

			while (ns[j].npeers)
				j = (j + 1) & nmask;
			ns[j] = old[i];
		}
	a->mask = nmask;
	free(old);
	return 0;
}

int trk_addrs_add(struct trk_addrs *a, const uint8_t ip[16], uint32_t h)
{
	uint32_t i = slot_of(a, ip, h);

	if (a->slots[i].npeers) {
		a->slots[i].npeers++;
		return 0;
	}
	if ((a->n + 1) * 2 > a->mask + 1) {   /* at most half full */
		if (grow(a) < 0)
			return -1;
		i = slot_of(a, ip, h);
	}
	memcpy(a->slots[i].ip, ip, 16);
	a->slots[i].h = h;
	a->slots[i].npeers = 1;
	a->n++;
	return 0;
}

void trk_addrs_sub(struct trk_addrs *a, const uint8_t ip[16], uint32_t h)
{
	uint32_t i = slot_of(a, ip, h), j = i;

	if (!a->slots[i].npeers || --a->slots[i].npeers)
		return;
	a->n--;
	/* backward-shift deletion: probe chains stay intact */
	for (;;) {
		j = (j + 1) & a->mask;
		if (!a->slots[j].npeers)
			break;
		uint32_t k = a->slots[j].h & a->mask;
		int stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);

		if (stays)
			continue;
		a->slots[i] = a->slots[j];
		i = j;
	}
	a->slots[i].npeers = 0;
}
