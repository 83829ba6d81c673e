/* dsh_hold.cpp - the seeder's hold-back and the downloaders' urgent marks
 * (dsh_hold.hpp).
 *
 * Why: downloaders ask a seeder for any piece it has while it has request
 * slots free, also for pieces another node already has or is being sent,
 * and a recorded order has every node ask for the same pieces at the same
 * moment: the file server sent 1.9-4.1x the set (scale benchmark).  A
 * piece a read waits for is served at once, whoever else has it: every
 * node of a job reads the same files at the same moment, and held back
 * such a read would wait for the first node to get the piece and announce
 * it, then for libtorrent's deadline scheduler to ask again.  (A first
 * version answered no cancelled held request: the main job's lazy imports
 * took 84 s instead of 15-17 s, see on_cancel.)
 *
 * The seeder serves a request at once when the asker marked the piece
 * urgent, or when no other node has the piece and nobody is being sent it
 * (or was sent it more than RESEND_MS ago: that node may be slow or gone).
 * Otherwise it holds the request and answers it with a reject when another
 * node announces the piece or after HOLD_MS; the downloader then picks
 * again, usually the same piece from the node that has it, or one only the
 * seeder has.  Rejects only on those events, so a downloader that keeps
 * asking for the same piece gets an answer at most 1000/HOLD_MS times a
 * second.  Other seeders count for nothing. */
#include "dsh_hold.hpp"

#include <libtorrent/bdecode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/peer_request.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>
#include <utility>

namespace dsh_hold {

namespace {

#define HOLD_MS 250
#define RESEND_MS 3000
#define EXPIRE_EVERY_MS 50
/* A downloader that got no block from a peer for piece_timeout (5 s,
 * dsh_session.cpp) with requests out "snubs" it: one request at a time, and
 * libtorrent's deadline scheduler skips snubbed peers
 * (peer_connection::can_request_time_critical), so a read of a piece only
 * the seeder has would wait.  A peer that got nothing for STARVE_MS is
 * served whatever it asks, before that can happen. */
#define STARVE_MS 2000
/* The seeder cannot see whether the asker is connected to the node that
 * has the piece (a downloader learns its peers from the tracker and its
 * direct peers): a peer is held back for a piece at most MAX_HOLD_MS after
 * its first held request for it, then served.  (Seen: under load, a swarm
 * that formed through the tracker alone did not finish in 150 s without
 * this bound.)  Kept in 100 ms ticks, 2 bytes per piece and connection. */
#define MAX_HOLD_MS RESEND_MS
#define TICK_MS 100
/* Our extension message's id on the wire, as we announce it (BEP 10: each
 * end picks the ids it receives; ours, and the name, are all that count). */
#define URGENT_MSG_ID 61
#define URGENT_MSG_NAME "dsl_urgent"
#define URGENT_MAX_PIECES 256   /* per message: more is not ours */
#define HOLD_KEY "dsl_hold"     /* in a downloader's extension handshake: it
				   marks its urgent requests (a helper without
				   the marks is never held) */

using clk = std::chrono::steady_clock;

bool is_seeder(const lt::peer_connection_handle &pc)
{
	return std::memcmp(pc.pid().data(), DSL_SEEDER_ID, 3) == 0;
}

void put32(char *b, uint32_t v)
{
	b[0] = (char)(v >> 24);
	b[1] = (char)(v >> 16);
	b[2] = (char)(v >> 8);
	b[3] = (char)v;
}

uint32_t get32(const char *b)
{
	const unsigned char *u = reinterpret_cast<const unsigned char *>(b);
	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* ---- Seeder -------------------------------------------------------------- */

class hold_peer;

struct hold_torrent : lt::torrent_plugin, std::enable_shared_from_this<hold_torrent> {
	std::vector<uint16_t> holders;                 /* other nodes that have piece p */
	std::vector<clk::time_point> sent_at;
	std::vector<const hold_peer *> sent_to;        /* last sent to, or queued */
	std::set<hold_peer *> peers;
	std::shared_ptr<counters> count;
	clk::time_point expired_at;

	hold_torrent(int npieces, std::shared_ptr<counters> c)
		: holders((size_t)npieces, 0), sent_at((size_t)npieces),
		  sent_to((size_t)npieces, nullptr), count(std::move(c)) {}
	std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle &pc) override;
	void tick() override { expire(clk::now(), true); }
	void expire(clk::time_point now, bool force);
	void release(int piece);
};

class hold_peer : public lt::peer_plugin {
	using held_req = std::pair<lt::peer_request, clk::time_point>;
public:
	/* The peers keep the torrent's state alive: libtorrent may free a
	 * torrent before its connections. */
	hold_peer(std::shared_ptr<hold_torrent> t, const lt::peer_connection_handle &pc)
		: keep_(std::move(t)), t_(*keep_), pc_(pc), has_(t_.holders.size(), false),
		  urgent_(t_.holders.size(), false), first_hold_(t_.holders.size(), 0)
	{
		t_.peers.insert(this);
	}

	~hold_peer() override
	{
		for (size_t p = 0; p < has_.size(); p++) {
			if (has_[p])
				t_.holders[p]--;
			if (t_.sent_to[p] == this)
				t_.sent_to[p] = nullptr;
		}
		t_.peers.erase(this);
	}

	lt::string_view type() const override { return URGENT_MSG_NAME; }

	void add_handshake(lt::entry &h) override
	{
		h["m"][URGENT_MSG_NAME] = URGENT_MSG_ID;
	}

	bool on_extension_handshake(const lt::bdecode_node &h) override
	{
		holdable_ = h.dict_find_int_value(HOLD_KEY, 0) == 1;
		return true;
	}

	bool on_have(lt::piece_index_t p) override
	{
		add(static_cast<int>(p));
		t_.release(static_cast<int>(p));
		return false;
	}

	bool on_bitfield(const lt::bitfield &b) override
	{
		for (int p = 0; p < (int)has_.size() && p < b.size(); p++)
			if (b.get_bit(lt::piece_index_t(p)))
				add(p);
		return false;
	}

	bool on_have_all() override
	{
		for (int p = 0; p < (int)has_.size(); p++)
			add(p);
		return false;
	}

	bool on_dont_have(lt::piece_index_t p) override
	{
		int k = static_cast<int>(p);
		if (k >= 0 && k < (int)has_.size() && has_[(size_t)k]) {
			has_[(size_t)k] = false;
			t_.holders[(size_t)k]--;
		}
		return false;
	}

	/* Pieces the peer's reads wait for.  A request for one that is held
	 * now is rejected at once: the peer asks again, marked. */
	bool on_extended(int length, int msg, lt::span<const char> body) override
	{
		if (msg != URGENT_MSG_ID)
			return false;
		if ((int)body.size() < length)
			return true;   /* called again with more of it */
		if (length % 4 != 0 || length > 4 * URGENT_MAX_PIECES)
			return true;
		for (int k = 0; k + 4 <= length; k += 4) {
			uint32_t p = get32(body.data() + k);
			if (p >= urgent_.size())
				continue;
			urgent_[p] = true;
			if (t_.count)
				t_.count->marked++;
			reject_held((int)p, clk::time_point::min());
		}
		return true;
	}

	bool on_request(const lt::peer_request &r) override
	{
		int p = static_cast<int>(r.piece);
		auto now = clk::now();
		t_.expire(now, false);
		if (p < 0 || p >= (int)has_.size() || is_seeder(pc_))
			return false;
		const hold_peer *to = t_.sent_to[(size_t)p];
		bool elsewhere = t_.holders[(size_t)p] > 0;
		bool sending = to && to != this &&
			now - t_.sent_at[(size_t)p] < std::chrono::milliseconds(RESEND_MS);
		bool starving = now - last_sent_ > std::chrono::milliseconds(STARVE_MS);
		if (!holdable_ || urgent_[(size_t)p] || starving || (!elsewhere && !sending) ||
		    held_long(p, now)) {
			/* Asked again by the same node: not a new start. */
			if (to != this)
				t_.sent_at[(size_t)p] = now;
			t_.sent_to[(size_t)p] = this;
			queued_.push_back(r);
			return false;
		}
		held_.push_back({r, now});
		if (t_.count)
			t_.count->held++;
		return true;
	}

	/* A held request is ours to answer: with the fast extension a
	 * cancelled request still gets its reject (BEP 6), and a downloader
	 * keeps the block in its queue until then (seen: swallowed cancels
	 * filled a downloader's queue to the seeder, which then sent it
	 * nothing until the connection was dropped, 60 s).  A queued one
	 * libtorrent answers; if it was the piece's first sending, the piece
	 * is free again (seen: a node cancelling and asking again for an
	 * urgent piece that waited behind its other requests, while every
	 * other node was held back: all of them stuck). */
	bool on_cancel(const lt::peer_request &r) override
	{
		for (auto it = held_.begin(); it != held_.end(); ++it)
			if (it->first == r) {
				reject(it->first);
				held_.erase(it);
				return true;
			}
		auto q = std::find(queued_.begin(), queued_.end(), r);
		if (q != queued_.end()) {
			queued_.erase(q);
			int p = static_cast<int>(r.piece);
			if (t_.sent_to[(size_t)p] == this)
				t_.sent_to[(size_t)p] = nullptr;
		}
		return false;
	}

	void sent_piece(const lt::peer_request &r) override
	{
		int p = static_cast<int>(r.piece);
		auto q = std::find(queued_.begin(), queued_.end(), r);
		if (q != queued_.end())
			queued_.erase(q);
		last_sent_ = clk::now();
		if (p >= 0 && p < (int)has_.size()) {
			t_.sent_to[(size_t)p] = this;
			t_.sent_at[(size_t)p] = last_sent_;
		}
	}

	/* Reject held requests: for piece p (all), or older than the hold. */
	void reject_held(int piece, clk::time_point older_than)
	{
		/* In place: this runs for every peer on every announce. */
		auto gone = std::remove_if(held_.begin(), held_.end(), [&](const held_req &h) {
			if (static_cast<int>(h.first.piece) != piece && h.second >= older_than)
				return false;
			reject(h.first);
			return true;
		});
		held_.erase(gone, held_.end());
	}

private:
	/* Held back for piece p for MAX_HOLD_MS already (starts the clock on
	 * the first call for p).  Ticks wrap after 109 minutes: at worst one
	 * more hold. */
	bool held_long(int p, clk::time_point now)
	{
		auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - born_).count();
		uint16_t tick = (uint16_t)(ms / TICK_MS + 1);
		uint16_t &first = first_hold_[(size_t)p];
		if (first == 0) {
			first = tick;
			return false;
		}
		return (uint16_t)(tick - first) >= MAX_HOLD_MS / TICK_MS;
	}

	void add(int p)
	{
		if (p < 0 || p >= (int)has_.size() || has_[(size_t)p] || is_seeder(pc_))
			return;
		has_[(size_t)p] = true;
		urgent_[(size_t)p] = false;
		t_.holders[(size_t)p]++;
	}

	void reject(const lt::peer_request &r)
	{
		char msg[17];
		put32(msg, 13);
		msg[4] = 16;   /* BEP 6 reject request: index, begin, length */
		put32(msg + 5, (uint32_t)static_cast<int>(r.piece));
		put32(msg + 9, (uint32_t)r.start);
		put32(msg + 13, (uint32_t)r.length);
		pc_.send_buffer(msg, (int)sizeof(msg));
		if (t_.count)
			t_.count->rejected++;
	}

	std::shared_ptr<hold_torrent> keep_;
	hold_torrent &t_;
	lt::peer_connection_handle pc_;
	std::vector<bool> has_;
	std::vector<bool> urgent_;   /* marked by the peer, until it has the piece */
	bool holdable_ = false;      /* the peer marks its urgent requests */
	std::vector<uint16_t> first_hold_;   /* tick of the piece's first hold, 0: none */
	clk::time_point born_ = clk::now();
	clk::time_point last_sent_ = clk::now();   /* a block to this peer */
	std::vector<held_req> held_;
	std::vector<lt::peer_request> queued_;   /* served, not yet sent */
};

std::shared_ptr<lt::peer_plugin> hold_torrent::new_connection(const lt::peer_connection_handle &pc)
{
	if (pc.type() != lt::connection_type::bittorrent)
		return nullptr;
	return std::make_shared<hold_peer>(shared_from_this(), pc);
}

/* Held requests older than the hold are rejected.  Looked at on requests
 * and libtorrent's tick, at most every EXPIRE_EVERY_MS (a seeder gets
 * thousands of requests a second). */
void hold_torrent::expire(clk::time_point now, bool force)
{
	if (!force && now - expired_at < std::chrono::milliseconds(EXPIRE_EVERY_MS))
		return;
	expired_at = now;
	auto before = now - std::chrono::milliseconds(HOLD_MS);
	for (hold_peer *p : peers)
		p->reject_held(-1, before);
}

void hold_torrent::release(int piece)
{
	for (hold_peer *p : peers)
		p->reject_held(piece, clk::time_point::min());
}

/* ---- Downloader ---------------------------------------------------------- */

class mark_peer : public lt::peer_plugin {
public:
	mark_peer(const uint8_t *u, size_t n, std::shared_ptr<counters> c,
		  const lt::peer_connection_handle &pc)
		: urgent_(u), count_(std::move(c)), pc_(pc), told_(n, false) {}

	lt::string_view type() const override { return "dsl_urgent_mark"; }

	/* This end marks its urgent requests: its others may be held. */
	void add_handshake(lt::entry &h) override
	{
		h[HOLD_KEY] = 1;
	}

	/* Only a seeder that runs the hold-back announces the message. */
	bool on_extension_handshake(const lt::bdecode_node &h) override
	{
		lt::bdecode_node m = h.dict_find_dict("m");
		std::int64_t id = m ? m.dict_find_int_value(URGENT_MSG_NAME, 0) : 0;
		id_ = id > 0 && id < 256 ? (int)id : 0;
		return true;
	}

	/* Called just before libtorrent writes the request: the mark goes
	 * first on the same connection, so the seeder has it when the
	 * request arrives. */
	bool write_request(const lt::peer_request &r) override
	{
		size_t p = (size_t)static_cast<int>(r.piece);
		if (!id_ || !urgent_ || p >= told_.size() || told_[p] ||
		    !__atomic_load_n(&urgent_[p], __ATOMIC_ACQUIRE))
			return false;
		told_[p] = true;
		char msg[10];
		put32(msg, 6);
		msg[4] = 20;   /* BEP 10 extended message */
		msg[5] = (char)id_;
		put32(msg + 6, (uint32_t)p);
		pc_.send_buffer(msg, (int)sizeof(msg));
		if (count_)
			count_->marked++;
		return false;
	}

private:
	const uint8_t *urgent_;
	std::shared_ptr<counters> count_;
	lt::peer_connection_handle pc_;
	std::vector<bool> told_;   /* marked on this connection already */
	int id_ = 0;               /* the seeder's id for the message, 0: none */
};

struct mark_torrent : lt::torrent_plugin {
	const uint8_t *urgent;
	size_t npieces;
	std::shared_ptr<counters> count;

	mark_torrent(const uint8_t *u, size_t n, std::shared_ptr<counters> c)
		: urgent(u), npieces(n), count(std::move(c)) {}
	std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle &pc) override
	{
		if (pc.type() != lt::connection_type::bittorrent)
			return nullptr;
		return std::make_shared<mark_peer>(urgent, npieces, count, pc);
	}
};

} /* namespace */

plugin_fn seeder(int npieces, std::shared_ptr<counters> c)
{
	return [npieces, c](const lt::torrent_handle &, lt::client_data_t) {
		return std::shared_ptr<lt::torrent_plugin>(std::make_shared<hold_torrent>(npieces, c));
	};
}

plugin_fn downloader(const uint8_t *urgent, size_t npieces, std::shared_ptr<counters> c)
{
	return [urgent, npieces, c](const lt::torrent_handle &, lt::client_data_t) {
		return std::shared_ptr<lt::torrent_plugin>(
			std::make_shared<mark_torrent>(urgent, npieces, c));
	};
}

} /* namespace dsh_hold */
