/* dsh_count.hpp - what each peer node sent this one and was sent, counted
 * per block on libtorrent's network thread (a libtorrent plugin), for the
 * status: from the seeders (the shared file system) or from other nodes.
 *
 * Counted where the blocks arrive, not from libtorrent's per-block alerts:
 * those woke the helper's loop for every 16 KiB (about 800 times a second
 * at 100 Mbit/s) and made a downloading helper cost 1.21x the CPU of a plain
 * libtorrent client on the same transfer; without them 1.01x
 * (tests/bench/helper/cpu.sh). */
#ifndef DSH_COUNT_HPP
#define DSH_COUNT_HPP

#include <libtorrent/extensions.hpp>
#include <libtorrent/torrent_handle.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace dsh_count {

namespace lt = libtorrent;

/* One peer node, across reconnections. */
struct peer {
	std::atomic<uint64_t> down{0};   /* first copies of blocks received from it */
	std::atomic<uint64_t> up{0};     /* payload sent to it */
	std::atomic<bool> seed{false};   /* one of the set's seeders (peer id) */
};

struct counts {
	std::mutex mu;                   /* the map's shape (not the counters) */
	std::map<std::string, std::unique_ptr<peer>> peers;   /* by IP */
	std::atomic<uint64_t> redundant{0};   /* blocks received again */
	/* Payload moved either way, all peers: the owner's tick compares it
	 * with its last look to learn that bytes moved without asking
	 * libtorrent (a seeder gets no piece alerts while it uploads). */
	std::atomic<uint64_t> traffic{0};
	peer *of(const std::string &ip);
};

using plugin_fn = std::function<std::shared_ptr<lt::torrent_plugin>(
	const lt::torrent_handle &, lt::client_data_t)>;

/* block_size: libtorrent's (16 KiB); the first copy of each block of the
 * set is told from copies that came again (end game, timed-out requests),
 * until its piece fails its hash check. */
plugin_fn counter(int npieces, int piece_size, std::shared_ptr<counts> c);

} /* namespace dsh_count */

#endif
