/* dsh_session.cpp - the helper's libtorrent session: one session, one
 * torrent, no thread of its own (its owner's event loop drives it,
 * dsh_session.h).  It carries no piece policy: the priorities and
 * deadlines are the piece plan's (dsh_sched.h), applied as they come.
 *
 * Every entry point catches everything: no exception may unwind through C
 * frames.  Errors become "object: reason" in a struct dsl_err. */
#include "dsh_session.h"
#include "dsl_err.h"
#include "dsl_torrent_int.hpp"
extern "C" {
#include "dsh_holdback.h"
#include "dsh_trace.h"
#include "dsl_util.h"
}
#include "dsl_private.hpp"
#include "dsh_hold.hpp"
#include "dsh_count.hpp"

#include <libtorrent/alert_types.hpp>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/extensions/smart_ban.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>

namespace lt = libtorrent;
using namespace dsl_tor;

/* ---- Session ------------------------------------------------------------ */

namespace {

enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Bytes in flight per connection (see cluster_settings). */
#define DSL_MAX_REQUESTS 32          /* 16 KiB blocks requested from one peer */
#define DSL_SEND_BUFFER (256 * 1024) /* what a peer queues for sending */
/* Connections per node, whatever the job's size.  Each one costs a private
 * swarm's MSE handshake (two 768-bit modular exponentiations a side in
 * libtorrent's own big-number code) and a slot in every tick: with 32 peers
 * per announce a downloader held about 75 connections, and 300 helpers on
 * this machine spent minutes of both cores on handshakes for a 1.2 MiB set
 * (tests/helper/test_many.sh, README's scale section).  8 direct peers, 8
 * from the tracker, and about 8 that were handed our address make ~24; the
 * cap leaves room for the seeders the tracker hands out.  A seeder, which
 * many nodes are given, keeps the wide cap. */
#define DSL_NUM_WANT 8               /* peers asked of the tracker per announce */
#define DSL_MAX_CONNECTIONS 32       /* a downloader's connected peers */
#define DSL_SEEDER_MAX_CONNECTIONS 128
#define DSL_MAX_PEERLIST 1000        /* peers known (connected or not) */
#define DSL_REDIAL_S 5               /* direct peers dialled again, while incomplete */
#define DSL_CANDIDATE_RETRY_MS 5     /* a passed piece not yet readable: look again */
/* A peer that sent no block for this long with requests out is snubbed; a
 * seeder holds a peer's requests back for up to DSH_STARVE_MS
 * (dsh_holdback.h), which must stay under it. */
#define DSL_PIECE_TIMEOUT_S 10
static_assert(DSH_STARVE_MS < DSL_PIECE_TIMEOUT_S * 1000, "a held peer must not be snubbed");

/* Settings for a trusted cluster network: nobody is choked, nothing is
 * limited, no discovery beyond the tracker and the given peers, short
 * time-outs so a dead peer is dropped quickly. */
lt::settings_pack cluster_settings(const std::string &iface, bool seeder,
				    const std::string &peer_id, bool deep_queues, bool trace,
				    int utp_delay_ms)
{
	lt::settings_pack p = lt::high_performance_seed();
	/* 20 bytes: libtorrent uses it as the whole peer id */
	p.set_str(lt::settings_pack::peer_fingerprint, peer_id);
	p.set_int(lt::settings_pack::alert_mask,
		  lt::alert_category::error | lt::alert_category::status |
		  lt::alert_category::piece_progress | lt::alert_category::storage |
		  lt::alert_category::tracker | lt::alert_category::connect |
		  (trace ? lt::alert_category::block_progress : lt::alert_category_t{}));
	p.set_str(lt::settings_pack::listen_interfaces, iface);
	p.set_bool(lt::settings_pack::enable_dht, false);
	p.set_bool(lt::settings_pack::enable_lsd, false);
	p.set_bool(lt::settings_pack::enable_upnp, false);
	p.set_bool(lt::settings_pack::enable_natpmp, false);
	p.set_bool(lt::settings_pack::enable_ip_notifier, false);
	p.set_bool(lt::settings_pack::enable_incoming_utp, false);
	p.set_bool(lt::settings_pack::enable_outgoing_utp, false);
	if (utp_delay_ms > 0) {
		/* uTP only, LEDBAT keeping the queue at the bottleneck near
		 * utp_delay_ms: for the benchmark that asks what a separate
		 * lane for urgent pieces would see (tests/bench/helper/urgent.sh
		 * mode utp); not the default, measured no better for reads. */
		p.set_bool(lt::settings_pack::enable_incoming_utp, true);
		p.set_bool(lt::settings_pack::enable_outgoing_utp, true);
		p.set_bool(lt::settings_pack::enable_outgoing_tcp, false);
		p.set_int(lt::settings_pack::utp_target_delay, utp_delay_ms);
	}
	p.set_int(lt::settings_pack::in_enc_policy, lt::settings_pack::pe_disabled);
	p.set_int(lt::settings_pack::out_enc_policy, lt::settings_pack::pe_disabled);
	p.set_int(lt::settings_pack::unchoke_slots_limit, -1);
	/* Connections and the peer list stay O(1) in the job's size: 8 direct
	 * peers, 8 from each tracker answer, and whoever dialled us. */
	p.set_int(lt::settings_pack::connections_limit,
		  seeder ? DSL_SEEDER_MAX_CONNECTIONS : DSL_MAX_CONNECTIONS);
	p.set_int(lt::settings_pack::connection_speed, 500);
	p.set_int(lt::settings_pack::listen_queue_size, 200);
	p.set_int(lt::settings_pack::max_peerlist_size, DSL_MAX_PEERLIST);
	/* A node at its cap refuses a connection before the handshake (no
	 * slack: libtorrent's default of 10 let such connections through the
	 * MSE handshake only to close them after it, and their dialers tried
	 * again every second: in test_many the first nodes up spent seconds of
	 * CPU on handshakes for nobody), and a peer that refused or failed 3
	 * times is not dialled again (libtorrent's default; the direct peers
	 * are symmetric: the one that was not up yet dials us when it is). */
	p.set_int(lt::settings_pack::connections_slack, 0);
	p.set_int(lt::settings_pack::max_failcount, 3);
	p.set_int(lt::settings_pack::peer_connect_timeout, 3);
	p.set_int(lt::settings_pack::request_timeout, 5);
	p.set_int(lt::settings_pack::piece_timeout, DSL_PIECE_TIMEOUT_S);
	p.set_int(lt::settings_pack::peer_timeout, 30);
	p.set_int(lt::settings_pack::inactivity_timeout, 60);
	/* A peer that hung up is dialled again after 1 s.  A node refused at
	 * a cap sees a plain hang-up, which libtorrent does not count as a
	 * failure: in test_many's 128-helper swarm a downloader dialled ~157
	 * times, 135 of them refused, each after its half of the key exchange
	 * (status "connections").  60 s (libtorrent's default) cut that to 22
	 * dials and the helpers' CPU by half there, but in the 300-node Slurm
	 * job the slowest nodes completed 45 s after their start instead of
	 * 27-31 s and the job was no faster (10 s: 57 s): not changed yet
	 * (README, the scale section). */
	p.set_int(lt::settings_pack::min_reconnect_time, 1);
	p.set_int(lt::settings_pack::request_queue_time, 1);
	p.set_int(lt::settings_pack::min_announce_interval, 10);
	/* Peers asked of the tracker: a random sample on top of the direct
	 * peers, not the whole job (libtorrent's default asks for 200); none
	 * for a seeder, which the others find (also a complete node, mark). */
	p.set_int(lt::settings_pack::num_want, seeder ? 0 : DSL_NUM_WANT);
	p.set_int(lt::settings_pack::alert_queue_size, 100000);
	p.set_int(lt::settings_pack::file_pool_size, 500);
	p.set_int(lt::settings_pack::aio_threads, 8);
	/* libtorrent's tick stays at its 500 ms.  A shorter one does not
	 * bring urgent pieces sooner: in 2.0.8 a tick below the second only
	 * refills rate-limit quotas and ticks uTP; the deadline pass
	 * (request_time_critical_pieces) is in the once-a-second part.  A
	 * 50 ms tick, used before, measured the same whole-set times and read
	 * latencies (README, dsl-helper's section) and cost a complete helper
	 * with 64 peers 3% of a core. */
	p.set_bool(lt::settings_pack::announce_to_all_trackers, true);
	p.set_bool(lt::settings_pack::announce_to_all_tiers, true);
	p.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
	p.set_bool(lt::settings_pack::smooth_connects, false);
	/* Two complete nodes stay connected, idle, rather than hang up: with
	 * libtorrent's default the extension handshake's upload_only closed
	 * the connection before the bitfield marked the peer a seed, so every
	 * complete helper dialled every complete peer again each second
	 * (min_reconnect_time), forever (measured: 8 connects and hang-ups a
	 * second per helper, tests/bench/helper/idle.sh).  An idle connection
	 * costs a keep-alive every two minutes, and the peers are bounded. */
	p.set_bool(lt::settings_pack::close_redundant_connections, false);
	/* A connection with nothing free to ask for asks for a block already
	 * requested elsewhere, rather than idle.  With libtorrent's strict end
	 * game an idle connection picks again only on its own events (a block
	 * arriving, an unchoke) or after 5 s in end game; the seeders' held
	 * requests (dsh_holdback.h) keep blocks requested, so a node connected
	 * to one that had every piece it missed sat idle for those 5 s
	 * (measured: 8 MiB to 2 nodes at 100 Mbit/s took 4.5-7.2 s instead of
	 * 1.4-1.7 s, tests/bench/helper/private.sh --size 8 --downloaders 2). */
	p.set_bool(lt::settings_pack::strict_end_game_mode, false);
	if (!deep_queues) {
		/* An on-demand read queues behind whatever is already requested
		 * and sent: traced at 100 mbit, the default depths kept ~0.7 s
		 * of requests at the seeder and ~0.3 s in its socket buffer.
		 * A few hundred KiB still fill a cluster link (its bandwidth-
		 * delay product is tens of KiB). */
		p.set_int(lt::settings_pack::max_out_request_queue, DSL_MAX_REQUESTS);
		p.set_int(lt::settings_pack::send_socket_buffer_size, DSL_SEND_BUFFER);
		p.set_int(lt::settings_pack::send_buffer_watermark, DSL_SEND_BUFFER);
		p.set_int(lt::settings_pack::send_buffer_low_watermark, DSL_SEND_BUFFER / 4);
	}
	return p;
}

/* One peer node's rates and whether it is connected, from the last
 * statistics; its byte counts are dsh_count's. */
struct peer_acc {
	int down_rate = 0, up_rate = 0;
	bool connected = false, seed = false;   /* seed: one of the set's seeders */
};

std::string split_host_port(const std::string &hp, int *port)
{
	size_t c = hp.rfind(':');
	if (c == std::string::npos)
		return std::string();
	char *end = nullptr;
	long p = strtol(hp.c_str() + c + 1, &end, 10);
	if (!end || *end || p <= 0 || p > 65535)
		return std::string();
	*port = (int)p;
	std::string host = hp.substr(0, c);
	if (host.size() > 2 && host.front() == '[' && host.back() == ']')
		host = host.substr(1, host.size() - 2);
	return host;
}

/* A probe bind: libtorrent takes one port, so pick a free one of the range. */
int pick_port(const std::string &ip, int lo, int hi, int first)
{
	if (lo == 0 && hi == 0)
		return 0;
	if (first < lo || first > hi)
		first = lo;
	for (int k = 0; k <= hi - lo; k++) {
		int p = lo + (first - lo + k) % (hi - lo + 1);
		lt::error_code ec;
		lt::io_context ioc;
		lt::tcp::acceptor a(ioc);
		auto addr = lt::make_address(ip.empty() ? "0.0.0.0" : ip, ec);
		if (ec)
			return -1;
		lt::tcp::endpoint ep(addr, (unsigned short)p);
		a.open(ep.protocol(), ec);
		if (ec)
			continue;
		a.set_option(lt::tcp::acceptor::reuse_address(true), ec);
		a.bind(ep, ec);
		if (!ec)
			return p;
	}
	return -1;
}

} /* namespace */

struct dsh_session {
	std::unique_ptr<lt::session> ses;
	lt::torrent_handle h;
	std::shared_ptr<const lt::torrent_info> ti;
	std::vector<std::string> paths;        /* meta index -> path on node */
	std::vector<std::atomic<uint8_t>> have;
	std::vector<std::string> sources;      /* seeder: file index -> source */
	std::atomic<int> ndone{0};
	std::atomic<double> complete_at{0};    /* CLOCK_REALTIME of the last piece */
	int npieces = 0;
	int port = 0;
	std::string peer_id;                   /* the whole 20 bytes, see make_peer_id */
	bool seeding = false;
	std::vector<std::pair<std::string, int>> peers;
	/* Per-peer bytes (dsh_count.hpp). */
	std::shared_ptr<dsh_count::counts> bytes = std::make_shared<dsh_count::counts>();
	/* The hold-back plugins' counters (dsh_hold.hpp). */
	std::shared_ptr<dsh_hold::counters> hold = std::make_shared<dsh_hold::counters>();
	/* DSL_HELPER_TRACE's file (dsh_trace.h), or none; the plugins share it. */
	std::shared_ptr<struct dsh_trace> trace;

	dsh_piece_fn on_piece = nullptr;
	dsh_session_log_fn logfn = nullptr;
	void *cb_arg = nullptr;

	int efd = -1;                      /* alert notify -> the owner's loop */
	std::chrono::steady_clock::time_point next_peers;
	bool moved = true;                 /* a piece or a peer came or went since the
					      last tick (loop thread only) */
	bool still = false;                /* the last statistics showed no traffic */
	uint64_t traffic_seen = 0;         /* bytes->traffic at the last tick */

	std::mutex mu;                     /* guards what follows */
	std::map<std::string, peer_acc> acc;
	lt::torrent_status st;
	int hash_failures = 0;
	struct dsh_conn_stats conns = {};
	std::vector<int> candidates;       /* passed, not yet readable: the owner's loop only */
	/* seeder: per piece, its 16 KiB blocks' hashes once the whole piece
	 * passed (32 bytes per 16 KiB of the set, filled as pieces are read) */
	std::vector<std::vector<lt::sha256_hash>> leaves;

	~dsh_session()
	{
		if (efd >= 0)
			close(efd);
	}

	/* The role prefix, then 12 random characters: the helper knows its
	 * own peer id (libtorrent would pick one per torrent and not say), so
	 * its status reports can prove to the tracker which entry is its own. */
	void make_peer_id()
	{
		static const char abc[] = "0123456789abcdefghijklmnopqrstuvwxyz"
					  "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
		unsigned char r[12];

		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			for (size_t i = 0; i < sizeof(r); i++)
				r[i] = (unsigned char)(std::rand() ^ (getpid() >> i));
		peer_id = seeding ? DSL_SEEDER_ID : DSL_NODE_ID;
		for (unsigned char c : r)
			peer_id += abc[c % (sizeof(abc) - 1)];
	}

	void log(int level, const std::string &msg)
	{
		if (logfn)
			logfn(cb_arg, level, msg.c_str());
	}

	void mark(int p)
	{
		/* A seeder's view trusts only check_range(): libtorrent's seed
		 * mode claims every piece without reading it. */
		if (seeding || p < 0 || p >= npieces || have[p].exchange(1))
			return;
		if (ndone.fetch_add(1) + 1 == npieces) {
			struct timespec ts;
			lt::settings_pack idle;

			clock_gettime(CLOCK_REALTIME, &ts);
			complete_at = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
			/* Nothing more to find: the nodes still missing pieces
			 * find this one.  (Connections stay open once made,
			 * cluster_settings: without this a complete node would
			 * dial 8 more at every announce, up to the limit.) */
			idle.set_int(lt::settings_pack::num_want, 0);
			ses->apply_settings(idle);
			update_stats();   /* the counters of a complete node are final */
		}
		if (on_piece)
			on_piece(cb_arg, p);
	}

	void scan_all()
	{
		lt::torrent_status s = h.status(lt::torrent_handle::query_pieces);
		for (int p = 0; p < npieces && p < s.pieces.size(); p++)
			if (s.pieces.get_bit(lt::piece_index_t(p)))
				mark(p);
	}

	void check_candidates()
	{
		std::vector<int> keep;
		for (int p : candidates) {
			if (h.have_piece(lt::piece_index_t(p)))
				mark(p);
			else
				keep.push_back(p);
		}
		candidates.swap(keep);
	}

	void handle_alert(lt::alert *a)
	{
		moved = true;   /* only peer, piece and state alerts are asked for */
		if (auto *bd = lt::alert_cast<lt::block_downloading_alert>(a)) {
			trace_block('R', bd->piece_index, bd->block_index, bd->endpoint);
		} else if (auto *bf = lt::alert_cast<lt::block_finished_alert>(a)) {
			trace_block('F', bf->piece_index, bf->block_index, bf->endpoint);
		} else if (auto *pf = lt::alert_cast<lt::piece_finished_alert>(a)) {
			dsh_trace_ev(trace.get(), 'P', static_cast<int>(pf->piece_index), -1, nullptr);
			candidates.push_back(static_cast<int>(pf->piece_index));
		} else if (auto *hf = lt::alert_cast<lt::hash_failed_alert>(a)) {
			{
				std::lock_guard<std::mutex> g(mu);
				hash_failures++;
			}
			log(LOG_WARN, "piece " + std::to_string(static_cast<int>(hf->piece_index)) +
			    ": hash check failed, data rejected and requested again");
		} else if (lt::alert_cast<lt::torrent_checked_alert>(a)) {
			scan_all();   /* a kept cache: what the check found */
		} else if (auto *fe = lt::alert_cast<lt::file_error_alert>(a)) {
			log(LOG_ERROR, std::string(fe->filename()) + ": " + fe->error.message());
		} else if (auto *te = lt::alert_cast<lt::tracker_error_alert>(a)) {
			log(LOG_WARN, "tracker " + std::string(te->tracker_url()) + ": " +
			    te->error.message());
		} else if (auto *pc = lt::alert_cast<lt::peer_connect_alert>(a)) {
			count_opened(pc);
		} else if (auto *pd = lt::alert_cast<lt::peer_disconnected_alert>(a)) {
			count_closed(pd);
		} else if (auto *lf = lt::alert_cast<lt::listen_failed_alert>(a)) {
			log(LOG_ERROR, "listen " + lf->address.to_string() + ":" +
			    std::to_string(lf->port) + ": " + lf->error.message());
		}
	}

	/* Block alerts come only while tracing (cluster_settings). */
	void trace_block(char ev, lt::piece_index_t p, int block, const lt::tcp::endpoint &from)
	{
		dsh_trace_ev(trace.get(), ev, static_cast<int>(p), block,
			     from.address().to_string().c_str());
	}

	void count_opened(const lt::peer_connect_alert *pc)
	{
		std::lock_guard<std::mutex> g(mu);
		if (pc->direction == lt::peer_connect_alert::direction_t::out)
			conns.dialled++;
		else
			conns.incoming++;
	}

	void count_closed(const lt::peer_disconnected_alert *pd)
	{
		std::lock_guard<std::mutex> g(mu);
		if (pd->op == lt::operation_t::connect)
			conns.failed++;
		else if (pd->error == lt::errors::too_many_connections)
			conns.too_many++;
		else if (pd->error == lt::errors::duplicate_peer_id)
			conns.duplicate++;
		else
			conns.other++;
	}

	/* Seeder: where piece p is: its file's source, the piece's offset in
	 * the file and its length (a file's last piece is short). */
	struct span {
		lt::file_index_t f;
		std::int64_t fsize, start, len;
		std::string src, what;
	};
	span piece_span(int p)
	{
		const lt::file_storage &fs = ti->files();
		span sp;
		sp.f = fs.file_index_at_piece(lt::piece_index_t(p));
		sp.fsize = fs.file_size(sp.f);
		std::int64_t ps = ti->piece_length();
		sp.start = (std::int64_t)(p - static_cast<int>(fs.piece_index_at_file(sp.f))) * ps;
		sp.len = std::min(ps, sp.fsize - sp.start);
		sp.src = sources[static_cast<int>(sp.f)];
		sp.what = fs.file_path(sp.f) + " (source " + sp.src + "): piece " + std::to_string(p);
		return sp;
	}

	/* n bytes of sp's file at off into out; 0, or -1 logged. */
	int read_source(const span &sp, std::int64_t off, char *out, size_t n)
	{
		int fd = open(sp.src.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			log(LOG_ERROR, sp.what + ": cannot open: " + strerror(errno));
			return -1;
		}
		size_t got = 0;
		while (got < n) {
			ssize_t r = pread(fd, out + got, n - got, off + (off_t)got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				log(LOG_ERROR, sp.what + ": cannot read: " +
				    (r < 0 ? strerror(errno) : "file shorter than in the torrent"));
				close(fd);
				return -1;
			}
			got += (size_t)r;
		}
		close(fd);
		return 0;
	}

	/* Seeder: reads piece p from its source file into out and checks it
	 * against the torrent's v2 hashes (BEP 52): SHA-256 per 16 KiB block,
	 * merkle root over the piece with zero leaves as padding.  A file of at
	 * most one piece has no piece layer: its blocks, padded to a power of
	 * two, hash to the file's root.  On 0, out holds the piece's *outlen
	 * checked bytes, and its block hashes, now proven by the root, are kept
	 * for check_range. */
	int check_piece(int p, char *out, size_t cap, size_t *outlen)
	{
		span sp = piece_span(p);
		std::int64_t ps = ti->piece_length();
		if (sp.len < 0 || sp.len > (std::int64_t)cap)
			return -1;
		size_t blen = (size_t)sp.len;
		*outlen = blen;
		if (read_source(sp, sp.start, out, blen) != 0)
			return -1;
		size_t nblocks = (blen + 16383) / 16384;
		size_t nleaves = 1;
		if (sp.fsize > ps)
			nleaves = (size_t)(ps / 16384);
		else
			while (nleaves < nblocks)
				nleaves *= 2;
		std::vector<lt::sha256_hash> level(nleaves);   /* zero: padding */
		for (size_t b = 0; b < nblocks; b++) {
			size_t n = std::min<size_t>(16384, blen - b * 16384);
			level[b] = lt::hasher256(out + b * 16384, (int)n).final();
		}
		std::vector<lt::sha256_hash> blocks(level.begin(), level.begin() + (std::ptrdiff_t)nblocks);
		while (level.size() > 1) {
			for (size_t k = 0; k < level.size() / 2; k++)
				level[k] = lt::hasher256(level[2 * k]).update(level[2 * k + 1]).final();
			level.resize(level.size() / 2);
		}
		lt::span<char const> layer = ti->piece_layer(sp.f);
		size_t at = sp.fsize > ps ? (size_t)(sp.start / ps) * 32 : 0;
		if (at + 32 > (size_t)layer.size() ||
		    std::memcmp(layer.data() + at, level[0].data(), 32) != 0) {
			log(LOG_ERROR, sp.what + ": SHA-256 check failed (source changed or "
			    "corrupt); reads of it get EIO");
			return -1;
		}
		std::lock_guard<std::mutex> g(mu);
		if (leaves.empty())
			leaves.resize((size_t)npieces);
		leaves[(size_t)p] = std::move(blocks);
		return 0;
	}

	/* Seeder, for a read: bytes [in, in + n) of piece p into out, each
	 * 16 KiB block they touch read from the source and checked against
	 * its hash, proven by a whole-piece check (done first if the piece
	 * has none yet).  So a read costs hashing about what it reads, and a
	 * source changed at any time is never served.  *hashed: bytes hashed. */
	int check_range(int p, size_t in, size_t n, char *out, size_t *hashed)
	{
		std::vector<lt::sha256_hash> lv;
		{
			std::lock_guard<std::mutex> g(mu);
			if ((size_t)p < leaves.size())
				lv = leaves[(size_t)p];
		}
		span sp = piece_span(p);
		if (n == 0 || sp.len < 0 || in + n > (size_t)sp.len)
			return -1;
		if (lv.empty()) {
			std::vector<char> buf((size_t)sp.len);
			size_t len = 0;
			if (check_piece(p, buf.data(), buf.size(), &len) != 0)
				return -1;
			std::memcpy(out, buf.data() + in, n);
			*hashed = len;
			return 0;
		}
		size_t b0 = in / 16384, b1 = (in + n - 1) / 16384 + 1;
		size_t from = b0 * 16384, to = std::min(b1 * 16384, (size_t)sp.len);
		std::vector<char> buf(to - from);
		if (b1 > lv.size() || read_source(sp, sp.start + (std::int64_t)from, buf.data(), buf.size()) != 0)
			return -1;
		for (size_t b = b0; b < b1; b++) {
			size_t k = (b - b0) * 16384, m = std::min<size_t>(16384, buf.size() - k);
			if (lt::hasher256(buf.data() + k, (int)m).final() != lv[b]) {
				log(LOG_ERROR, sp.what + ": block " + std::to_string(b) +
				    ": SHA-256 check failed (source changed since its piece was "
				    "checked); reads of it get EIO");
				return -1;
			}
		}
		std::memcpy(out, buf.data() + (in - from), n);
		*hashed = buf.size();
		return 0;
	}

	void update_stats()
	{
		lt::torrent_status s = h.status();
		std::vector<lt::peer_info> pi;
		h.get_peer_info(pi);
		std::lock_guard<std::mutex> g(mu);
		st = s;
		still = s.download_payload_rate == 0 && s.upload_payload_rate == 0;
		for (auto &kv : acc) {
			kv.second.connected = false;
			kv.second.down_rate = kv.second.up_rate = 0;
		}
		for (const auto &p : pi) {
			peer_acc &a = acc[p.ip.address().to_string()];
			a.connected = true;
			if (dsh_hold::is_seeder_id(p.pid))
				a.seed = true;
			a.down_rate += p.payload_down_speed;
			a.up_rate += p.payload_up_speed;
		}
	}

	void reconnect_peers()
	{
		for (const auto &pp : peers) {
			lt::error_code ec;
			auto addr = lt::make_address(pp.first, ec);
			if (!ec)
				h.connect_peer(lt::tcp::endpoint(addr, (unsigned short)pp.second));
		}
	}

	/* The owner's loop, when efd is readable (or when asked to come
	 * back): libtorrent's alerts, then the passed pieces not yet
	 * readable.  Returns -1, or the ms after which to come back without
	 * an event.  libtorrent 2.0.8 posts piece_finished_alert from
	 * torrent::we_have, after the piece's blocks are written and the
	 * picker has it, so a candidate is practically always readable at
	 * once; the short retry is only a guard should that ever change. */
	int on_events()
	{
		uint64_t v;
		if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN && errno != EINTR)
			log(LOG_WARN, std::string("alert eventfd: ") + strerror(errno));
		std::vector<lt::alert *> alerts;
		ses->pop_alerts(&alerts);
		for (lt::alert *a : alerts)
			handle_alert(a);
		if (!candidates.empty())
			check_candidates();
		return candidates.empty() ? -1 : DSL_CANDIDATE_RETRY_MS;
	}

	/* The owner's loop, about once a second: the statistics the status
	 * shows, and while pieces are missing the direct peers dialled again
	 * every DSL_REDIAL_S (one that was not up yet, or went away). */
	void tick()
	{
		auto now = std::chrono::steady_clock::now();
		/* The statistics cost two round trips to libtorrent's thread:
		 * not asked again while nothing moves and the rates are zero.
		 * Bytes moving count as a move: a seeder's upload brings no
		 * alert, and its rates read zero right after its peers
		 * connected, which froze its statistics for the whole job. */
		uint64_t traffic = bytes->traffic.load(std::memory_order_relaxed);
		if (moved || !still || traffic != traffic_seen)
			update_stats();
		moved = false;
		traffic_seen = traffic;
		if (now >= next_peers && !peers.empty() && ndone < npieces) {
			reconnect_peers();
			next_peers = now + std::chrono::seconds(DSL_REDIAL_S);
		}
	}
};

namespace {

/* Seeder: each file is read where the set's sources are; the pack is
 * built once in the save path (the node's cache) from the sources of the
 * packed files.  A source that cannot be read or changed size is logged
 * and left as zeros: its pieces then fail their check, as a changed
 * source does anywhere (the user's data, not the node's fault). */
/* Downloader: every data file of the set at its full size in the cache,
 * allocated (fallocate) before libtorrent writes a byte.  libtorrent
 * maps its files (mmap storage), and a page of a sparse file that cannot be
 * allocated when it is first touched is a SIGBUS, which its v2 hashing does
 * not catch: a cache file system that fills up during the job killed the
 * helper.  Allocated, a later fill costs the job nothing; a cache without
 * room for the set fails here, naming it.  The helper runs as the job's
 * user: what it opens in the cache, that user could open anyway. */
int preallocate(const lt::file_storage &fs, const std::string &save_path, struct dsl_err *e)
{
	struct statvfs sv;
	uint64_t need = 0, total = 0, avail = 0;

	for (lt::file_index_t i : fs.file_range()) {
		struct stat st;

		if (fs.pad_file_at(i))
			continue;
		uint64_t size = (uint64_t)fs.file_size(i), have = 0;
		if (stat(fs.file_path(i, save_path).c_str(), &st) == 0)
			have = std::min<uint64_t>(size, (uint64_t)st.st_blocks * 512);
		need += size - have;
	}
	if (statvfs(save_path.c_str(), &sv) == 0) {
		total = (uint64_t)sv.f_blocks * sv.f_frsize;
		avail = (uint64_t)sv.f_bavail * sv.f_frsize;
		if (need > total) {
			dsl_err_set(e, "cache %s: the set is larger than this node's cache (%.1f MiB "
				    "needed, %.1f MiB in all)", save_path.c_str(), need / 1048576.0,
				    total / 1048576.0);
			return -1;
		}
	}
	for (lt::file_index_t i : fs.file_range()) {
		if (fs.pad_file_at(i) || fs.file_size(i) == 0)
			continue;
		std::string path = fs.file_path(i, save_path);
		std::string dir = path.substr(0, path.rfind('/'));
		struct dsl_err me;

		if (dsl_mkdir_p(dir.c_str(), 0700, &me) != 0) {
			dsl_err_set(e, "cache %s", me.msg);
			return -1;
		}
		int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		/* fallocate(2), not posix_fallocate(3): where the file system
		 * cannot allocate (EOPNOTSUPP), glibc's emulation writes every
		 * block; the file then stays sparse, as before. */
		int rc = fd < 0 ? errno : fallocate(fd, 0, 0, (off_t)fs.file_size(i)) == 0 ? 0 : errno;
		if (fd >= 0)
			close(fd);
		if (rc != 0 && rc != EOPNOTSUPP) {
			dsl_err_set(e, "cache %s: %s (%.1f MiB needed, %.1f MiB free)", path.c_str(),
				    strerror(rc), need / 1048576.0, avail / 1048576.0);
			return -1;
		}
	}
	return 0;
}

int seed_files(dsh_session *s, const struct dsh_session_opts *o, const struct dsl_tmeta &m,
	       lt::file_index_t pack, lt::add_torrent_params &atp, struct dsl_err *e)
{
	const lt::file_storage &fs = s->ti->files();
	std::vector<pack_item> items;
	std::string pack_path;

	s->sources.resize((size_t)fs.num_files());
	if (static_cast<int>(pack) >= 0) {
		if (!o->save_path) {
			dsl_err_set(e, "session: the set has a pack of small files; a seeder "
				    "needs a save path (cache) to build it");
			return -1;
		}
		pack_path = std::string(o->save_path) + "/" DSL_PACK_NAME;
		atp.renamed_files[pack] = pack_path;
		s->sources[(size_t)static_cast<int>(pack)] = pack_path;
	}
	for (size_t k = 0; k < m.nfiles; k++) {
		const struct dsl_tfile &f = m.files[k];
		std::string src = o->seed_sources ? o->seed_sources[k]
			: std::string(o->seed_root) + "/" + f.path;
		if (f.packed) {
			items.push_back(pack_item{"", src, f.size, f.data_offset, f.mtime, {}});
			s->paths.push_back(pack_path);
			continue;
		}
		atp.renamed_files[lt::file_index_t(f.data_file)] = src;
		s->sources[(size_t)f.data_file] = src;
		s->paths.push_back(src);
	}
	if (items.empty())
		return 0;
	std::vector<std::string> bad;
	if (build_pack(items, pack_path, &bad, e) != 0)
		return -1;
	for (const std::string &b : bad)
		s->log(LOG_ERROR, b + "; its pieces will fail their check");
	return 0;
}

int start_impl(dsh_session *s, const struct dsh_session_opts *o, struct dsl_err *e)
{
	/* With a job key: the job's own torrent (dsl_private.hpp). */
	s->ti = o->swarm_key ? dsl_private_torrent(o->torrent_path, o->swarm_key, e)
			     : load_ti(o->torrent_path, e);
	if (!s->ti)
		return -1;
	const lt::file_storage &fs = s->ti->files();
	std::string why;
	struct dsl_tmeta m;
	if (fill_meta(*s->ti, &m, why) != 0) {
		dsl_err_set(e, "%s: not a valid set torrent: %s", o->torrent_path, why.c_str());
		return -1;
	}
	std::unique_ptr<struct dsl_tmeta, void (*)(struct dsl_tmeta *)> own(&m, dsl_tmeta_free);
	lt::file_index_t pack;
	std::vector<pack_item> unused;
	read_pack_index(*s->ti, &pack, unused, why);

	s->npieces = s->ti->num_pieces();
	s->have = std::vector<std::atomic<uint8_t>>((size_t)s->npieces);
	s->seeding = o->seed_root || o->seed_sources;
	if ((o->priorities || o->urgent) && o->npieces != s->npieces) {
		dsl_err_set(e, "%s: %d pieces, the piece plan has %d", o->torrent_path,
			    s->npieces, o->npieces);
		return -1;
	}
	s->on_piece = o->on_piece;
	s->logfn = o->log;
	s->cb_arg = o->cb_arg;

	lt::add_torrent_params atp;
	atp.ti = std::make_shared<lt::torrent_info>(*s->ti);
	atp.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused);
	if (s->seeding) {
		atp.save_path = o->seed_root ? o->seed_root : "/";
		atp.flags |= lt::torrent_flags::seed_mode;
		if (seed_files(s, o, m, pack, atp, e) != 0)
			return -1;
	} else {
		if (!o->save_path) {
			dsl_err_set(e, "session: neither a save path nor a seed root given");
			return -1;
		}
		atp.save_path = o->save_path;
		if (preallocate(fs, o->save_path, e) != 0)
			return -1;
		if (o->priorities)
			for (int p = 0; p < s->npieces; p++)
				atp.piece_priorities.push_back(lt::download_priority_t(o->priorities[p]));
		/* libtorrent's own layout: a torrent of one file at the top
		 * keeps it at save_path/FILE, not save_path/NAME/FILE. */
		for (size_t k = 0; k < m.nfiles; k++)
			s->paths.push_back(fs.file_path(lt::file_index_t(m.files[k].data_file),
							o->save_path));
	}
	for (const char *const *t = o->trackers; t && *t; t++)
		atp.trackers.push_back(*t);
	/* Per-peer byte counts (dsh_count.hpp); the seeder's hold-back and
	 * the urgent marks (dsh_hold.hpp);
	 * DSL_HELPER_HOLD=off leaves the latter out and
	 * DSL_HELPER_URGENT_HOLD_MS sets how long a seeder may hold an urgent
	 * request (dsh_holdback.h), for the benchmarks that compare. */
	atp.extensions.push_back(dsh_count::counter(s->npieces, s->ti->piece_length(), s->bytes));
	if (const char *tr = getenv("DSL_HELPER_TRACE")) {
		s->trace.reset(dsh_trace_open(tr, e), dsh_trace_close);
		if (!s->trace)
			return -1;
	}
	const char *hold = getenv("DSL_HELPER_HOLD");
	const char *uhold = getenv("DSL_HELPER_URGENT_HOLD_MS");
	long urgent_hold = -1;   /* unset, or not ms up to a minute: the plan's own */
	if (uhold && dsl_parse_long(uhold, 0, 60000, &urgent_hold) < 0)
		urgent_hold = -1;
	if (!hold || strcmp(hold, "off") != 0)
		atp.extensions.push_back(s->seeding ? dsh_hold::seeder(s->npieces, (int)urgent_hold, s->hold, s->trace)
			: dsh_hold::downloader(o->urgent, (size_t)s->npieces, s->hold, s->trace));
	for (const char *const *p = o->peers; p && *p; p++) {
		int port = 0;
		std::string host = split_host_port(*p, &port);
		lt::error_code ec;
		if (host.empty() || (lt::make_address(host, ec), ec)) {
			dsl_err_set(e, "peer \"%s\": not an IP:PORT address", *p);
			return -1;
		}
		s->peers.emplace_back(host, port);
	}

	std::string ip = o->listen_ip ? o->listen_ip : "0.0.0.0";
	int port = pick_port(ip, o->port_min, o->port_max, o->port_first);
	if (port < 0) {
		dsl_err_set(e, "cannot listen on %s ports %d-%d: no free port (or bad address)",
			    ip.c_str(), o->port_min, o->port_max);
		return -1;
	}
	std::string iface = (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) +
		":" + std::to_string(port);
	/* DSL_HELPER_QUEUES=deep: libtorrent's deep queues, only for the
	 * benchmark that compares both. */
	const char *q = getenv("DSL_HELPER_QUEUES");
	/* DSL_HELPER_UTP_DELAY_MS=MS (1..1000): the swarm on uTP, benchmark
	 * only, as above. */
	const char *utp = getenv("DSL_HELPER_UTP_DELAY_MS");
	long utp_delay = 0;
	if (utp && dsl_parse_long(utp, 1, 1000, &utp_delay) < 0)
		utp_delay = 0;
	s->make_peer_id();
	lt::session_params sp(cluster_settings(iface, s->seeding, s->peer_id,
						q && !strcmp(q, "deep"), s->trace != nullptr,
						(int)utp_delay));
	if (o->strict_priority)
		/* libtorrent picks its first 4 pieces at random, whatever their
		 * priority, and then finishes them first: measured, 5 random
		 * pieces arrived before the order's first one. */
		sp.settings.set_int(lt::settings_pack::initial_picker_threshold, 0);
	/* Of libtorrent's default extensions only smart_ban (it bans a peer
	 * that sent a block that failed its hash).  No peer exchange: the
	 * swarm forms from the direct peers and the tracker's bounded samples
	 * (dsl_roles.h), and PEX handed each helper its own address, which it
	 * then dialled every second, forever ("connected to ourselves",
	 * tests/bench/helper/idle.sh).  No ut_metadata: every helper loads
	 * the torrent, nobody needs the metadata from a peer. */
	sp.extensions.clear();
	bool smart_ban = !o->swarm_key;   /* a private swarm: none at all */
	if (o->swarm_key)
		dsl_private_session(sp);
	if (o->peer_networks && dsl_private_filter(sp, o->peer_networks, e) < 0)
		return -1;
	s->ses = std::make_unique<lt::session>(std::move(sp));
	if (smart_ban)
		s->ses->add_extension(&lt::create_smart_ban_plugin);

	/* Wait (bounded) for the listen socket: a port in use is an error now,
	 * not a silent peer that nobody can reach. */
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
	bool listening = false;
	while (!listening && std::chrono::steady_clock::now() < deadline) {
		s->ses->wait_for_alert(std::chrono::milliseconds(100));
		std::vector<lt::alert *> alerts;
		s->ses->pop_alerts(&alerts);
		for (lt::alert *a : alerts) {
			if (auto *ok = lt::alert_cast<lt::listen_succeeded_alert>(a)) {
				if (ok->socket_type == lt::socket_type_t::tcp) {
					listening = true;
					s->port = ok->port;
				}
			} else if (auto *lf = lt::alert_cast<lt::listen_failed_alert>(a)) {
				dsl_err_set(e, "cannot listen on %s: %s", iface.c_str(),
					    lf->error.message().c_str());
				return -1;
			}
		}
	}
	if (!listening) {
		dsl_err_set(e, "cannot listen on %s: no answer from libtorrent", iface.c_str());
		return -1;
	}

	lt::error_code ec;
	s->h = s->ses->add_torrent(std::move(atp), ec);
	if (ec) {
		dsl_err_set(e, "%s: cannot add torrent: %s", o->torrent_path, ec.message().c_str());
		return -1;
	}
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		dsl_err_set(e, "eventfd: %s", strerror(errno));
		return -1;
	}
	int efd = s->efd;
	/* Only wakes the owner's loop: nothing may be done inside the notify. */
	s->ses->set_alert_notify([efd] {
		uint64_t one = 1;
		ssize_t r = write(efd, &one, sizeof(one));
		(void)r;
	});
	s->reconnect_peers();
	s->next_peers = std::chrono::steady_clock::now() + std::chrono::seconds(DSL_REDIAL_S);
	if (s->seeding)
		s->ndone = s->npieces;   /* what it offers; its view verifies lazily */
	else if (s->h.status().state == lt::torrent_status::seeding)
		s->scan_all();
	return 0;
}

} /* namespace */

extern "C" struct dsh_session *dsh_session_start(const struct dsh_session_opts *o,
						 struct dsl_err *e)
{
	dsh_session *s = nullptr;
	try {
		s = new dsh_session();
		if (start_impl(s, o, e) == 0)
			return s;
	} catch (const std::exception &ex) {
		dsl_err_set(e, "session: %s", ex.what());
	} catch (...) {
		dsl_err_set(e, "session: unknown error");
	}
	delete s;
	return nullptr;
}

extern "C" void dsh_session_stop(struct dsh_session *s)
{
	if (!s)
		return;
	try {
		if (s->ses) {
			s->ses->set_alert_notify([] {});
			/* abort() returns a proxy whose destructor waits for the
			 * session's threads; keep it bounded by short time-outs. */
			lt::settings_pack p;
			p.set_int(lt::settings_pack::stop_tracker_timeout, 1);
			s->ses->apply_settings(p);
			lt::session_proxy proxy = s->ses->abort();
			s->ses.reset();
		}
	} catch (...) {
		/* Nothing sensible to report while tearing down. */
	}
	delete s;
}

extern "C" int dsh_session_event_fd(struct dsh_session *s)
{
	return s->efd;
}

extern "C" int dsh_session_on_events(struct dsh_session *s)
{
	try {
		return s->on_events();
	} catch (const std::exception &ex) {
		s->log(LOG_ERROR, std::string("session events: ") + ex.what());
	}
	return -1;
}

extern "C" void dsh_session_tick(struct dsh_session *s)
{
	try {
		s->tick();
	} catch (const std::exception &ex) {
		s->log(LOG_ERROR, std::string("session tick: ") + ex.what());
	}
}

extern "C" void dsh_session_infohash(struct dsh_session *s, char out[65])
{
	lt::sha256_hash h = s->ti->info_hashes().v2;
	hex_of(h.data(), h.size(), out);
}

extern "C" int dsh_session_progress(struct dsh_session *s, int *done, int *total)
{
	int d = s->ndone.load();
	if (done)
		*done = d;
	if (total)
		*total = s->npieces;
	return d >= s->npieces ? 1 : 0;
}

extern "C" double dsh_session_complete_time(struct dsh_session *s)
{
	return s->complete_at.load();
}

extern "C" int dsh_session_port(struct dsh_session *s)
{
	return s->port;
}

extern "C" int dsh_session_have(struct dsh_session *s, int piece)
{
	if (piece < 0 || piece >= s->npieces)
		return 0;
	return s->have[(size_t)piece].load(std::memory_order_acquire);
}

extern "C" void dsh_session_prioritize(struct dsh_session *s, const uint8_t *prio)
{
	if (s->seeding)
		return;
	try {
		std::vector<lt::download_priority_t> pr((size_t)s->npieces);
		for (int p = 0; p < s->npieces; p++)
			pr[(size_t)p] = lt::download_priority_t(prio[p]);
		s->h.prioritize_pieces(pr);
	} catch (...) {
		/* The handle is gone only during shutdown: nothing to do. */
	}
}

extern "C" void dsh_session_set_priority(struct dsh_session *s, int piece, int prio)
{
	if (s->seeding || piece < 0 || piece >= s->npieces)
		return;
	try {
		s->h.piece_priority(lt::piece_index_t(piece), lt::download_priority_t((std::uint8_t)prio));
	} catch (...) {
	}
}

extern "C" void dsh_session_deadline(struct dsh_session *s, int piece)
{
	if (s->seeding || piece < 0 || piece >= s->npieces)
		return;
	try {
		dsh_trace_ev(s->trace.get(), 'D', piece, -1, nullptr);
		s->h.set_piece_deadline(lt::piece_index_t(piece), 0);
	} catch (...) {
	}
}

extern "C" int dsh_session_read_checked(struct dsh_session *s, int piece, size_t off,
					size_t len, char *out, size_t *hashed)
{
	if (!s->seeding || piece < 0 || piece >= s->npieces)
		return -1;
	try {
		if (s->check_range(piece, off, len, out, hashed) != 0)
			return -1;
	} catch (const std::exception &ex) {
		s->log(LOG_ERROR, std::string("piece check: ") + ex.what());
		return -1;
	}
	s->have[(size_t)piece].store(1, std::memory_order_release);
	return 0;
}

extern "C" const char *dsh_session_peer_id(struct dsh_session *s)
{
	return s->peer_id.c_str();
}

extern "C" char *dsh_session_file_path(struct dsh_session *s, long idx)
{
	if (idx < 0 || (size_t)idx >= s->paths.size())
		return nullptr;
	return xstrdup(s->paths[(size_t)idx]);
}

extern "C" int dsh_session_get_stats(struct dsh_session *s, struct dsh_session_stats *st)
{
	std::memset(st, 0, sizeof(*st));
	st->done = s->ndone.load();
	st->total = s->npieces;
	std::lock_guard<std::mutex> g(s->mu);
	st->state_checking = s->st.state == lt::torrent_status::checking_files ||
		s->st.state == lt::torrent_status::checking_resume_data;
	/* received = first copies by sender kind + copies that came again,
	 * so the three counters always add up (dsh_count.hpp); sent = the
	 * sum over peers, as current as the counters, not as the last
	 * statistics. */
	st->redundant = s->bytes->redundant.load();
	st->down_rate = s->st.download_payload_rate;
	st->up_rate = s->st.upload_payload_rate;
	st->hash_failures = s->hash_failures;
	st->conns = s->conns;
	st->held = s->hold->held.load();
	st->held_rejected = s->hold->rejected.load();
	st->urgent_marked = s->hold->marked.load();
	std::lock_guard<std::mutex> gb(s->bytes->mu);
	for (const auto &kv : s->bytes->peers)
		s->acc[kv.first];   /* a peer met between two statistics */
	st->peers = static_cast<struct dsh_peer_stat *>(
		calloc(s->acc.size() + 1, sizeof(struct dsh_peer_stat)));
	if (!st->peers)
		abort();
	for (const auto &kv : s->acc) {
		struct dsh_peer_stat &p = st->peers[st->npeers++];
		auto b = s->bytes->peers.find(kv.first);
		snprintf(p.addr, sizeof(p.addr), "%s", kv.first.c_str());
		p.connected = kv.second.connected;
		p.seed = kv.second.seed;
		p.down_rate = kv.second.down_rate;
		p.up_rate = kv.second.up_rate;
		if (b != s->bytes->peers.end()) {
			p.seed = p.seed || b->second->seed.load();
			p.down_bytes = b->second->down.load();
			p.up_bytes = b->second->up.load();
		}
		st->up_bytes += p.up_bytes;
		if (p.seed)
			st->from_seeds += p.down_bytes;
		else
			st->from_peers += p.down_bytes;
	}
	st->down_bytes = st->from_seeds + st->from_peers + st->redundant;
	return 0;
}

extern "C" void dsh_session_stats_free(struct dsh_session_stats *st)
{
	free(st->peers);
	st->peers = nullptr;
	st->npeers = 0;
}
