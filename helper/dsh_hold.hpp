/* dsh_hold.hpp - each piece leaves the file server about once, and a read
 * waiting for a piece never waits behind that rule.
 *
 * Two libtorrent plugins, one at each end of a connection to a seeder:
 *  - seeder(): the seeder holds back a request for a piece that another
 *    node already has or is being sent, and answers it with a reject
 *    (BEP 6) once that node announces the piece (or after a short hold),
 *    so the asker takes it from that node;
 *  - downloader(): before a downloader sends a seeder a request for a
 *    piece one of its reads waits for, it names the piece in a "dsl_urgent"
 *    extension message (BEP 10), and the seeder serves such a request at
 *    once.  Only prefetch is ever held back.
 * A downloader says in its extension handshake that it marks its urgent
 * requests ("dsl_hold": 1); a peer that does not (another client, an older
 * helper) is never held back.
 * Both run on libtorrent's network thread; what the seeder holds and when
 * is decided in dsh_holdback.h. */
#ifndef DSH_HOLD_HPP
#define DSH_HOLD_HPP

#include <libtorrent/extensions.hpp>
#include <libtorrent/torrent_handle.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

struct dsh_trace;

/* Peer ids: the role, then 12 random characters (dsh_session.cpp).  Other
 * seeders' requests are never held, and they never count as holders. */
#define DSL_SEEDER_ID "-DS0100-"
#define DSL_NODE_ID "-DD0100-"

namespace dsh_hold {

namespace lt = libtorrent;

/* The peer is one of the set's seeders (its peer id's role prefix). */
inline bool is_seeder_id(const lt::peer_id &pid)
{
	return std::memcmp(pid.data(), DSL_SEEDER_ID, 3) == 0;
}

using plugin_fn = std::function<std::shared_ptr<lt::torrent_plugin>(
	const lt::torrent_handle &, lt::client_data_t)>;

/* Counters the session reports (written on libtorrent's thread). */
struct counters {
	std::atomic<uint64_t> held{0};     /* seeder: requests held back */
	std::atomic<uint64_t> rejected{0}; /* seeder: held requests answered with a reject */
	std::atomic<uint64_t> marked{0};   /* either end: urgent pieces named on the wire */
};

/* urgent_hold_ms: dsh_holdback_set_urgent_hold, -1: its default.  trace:
 * where the requests that come in and the blocks that go out are logged
 * (dsh_trace.h), or none. */
plugin_fn seeder(int npieces, int urgent_hold_ms, std::shared_ptr<counters> c,
		 std::shared_ptr<struct dsh_trace> trace);
/* urgent: per piece (npieces), 1 while a read waits for it, set before the
 * piece is asked for (dsh_sched_urgent); read here with atomic loads. */
plugin_fn downloader(const uint8_t *urgent, size_t npieces, std::shared_ptr<counters> c,
		     std::shared_ptr<struct dsh_trace> trace);

} /* namespace dsh_hold */

#endif
