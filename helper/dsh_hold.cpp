/* dsh_hold.cpp - the seeder's hold-back and the downloaders' urgent marks
 * on the wire (dsh_hold.hpp).  What is held and when is decided in
 * dsh_holdback.c; here libtorrent's callbacks become its events and its
 * rejects become BEP 6 messages.
 *
 * (A first version answered no cancelled held request: the main job's lazy
 * imports took 84 s instead of 15-17 s, see dsh_holdback_cancel.) */
#include "dsh_hold.hpp"
extern "C" {
#include "dsh_holdback.h"
#include "dsh_trace.h"
#include "dsl_net.h"
}

#include <libtorrent/bdecode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/peer_request.hpp>

#include <cstring>
#include <utility>

namespace dsh_hold {

namespace {

/* Our extension message's id on the wire, as we announce it (BEP 10: each
 * end picks the ids it receives; ours, and the name, are all that count). */
#define URGENT_MSG_ID 61
#define URGENT_MSG_NAME "dsl_urgent"
#define URGENT_MAX_PIECES 256   /* per message: more is not ours */
#define HOLD_KEY "dsl_hold"     /* in a downloader's extension handshake: it
				   marks its urgent requests (a helper without
				   the marks is never held) */

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

dsh_holdback_req req_of(const lt::peer_request &r)
{
	return dsh_holdback_req{static_cast<int>(r.piece), r.start, r.length};
}

/* A request that came in (Q) or a block that went out (S), if tracing:
 * checked here, for the peer's address is a string made per call. */
void trace_req(dsh_trace *t, char ev, const lt::peer_request &r, const lt::peer_connection_handle &pc)
{
	if (t)
		dsh_trace_ev(t, ev, static_cast<int>(r.piece), r.start / lt::default_block_size,
			     pc.remote().address().to_string().c_str());
}

/* ---- Seeder -------------------------------------------------------------- */

class hold_peer;

struct hold_torrent : lt::torrent_plugin, std::enable_shared_from_this<hold_torrent> {
	dsh_holdback *plan;
	int npieces;
	std::shared_ptr<counters> count;
	std::shared_ptr<dsh_trace> trace;

	hold_torrent(int n, int urgent_hold_ms, std::shared_ptr<counters> c,
		     std::shared_ptr<dsh_trace> tr)
		: plan(dsh_holdback_new(n, reject)), npieces(n), count(std::move(c)),
		  trace(std::move(tr))
	{
		if (urgent_hold_ms >= 0)
			dsh_holdback_set_urgent_hold(plan, urgent_hold_ms);
	}
	~hold_torrent() override { dsh_holdback_free(plan); }
	std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle &pc) override;
	void tick() override { dsh_holdback_expire(plan, dsl_now_ms(), 1); }
	static void reject(void *peer, const dsh_holdback_req *r);
};

class hold_peer : public lt::peer_plugin {
public:
	/* The peers keep the torrent's state alive: libtorrent may free a
	 * torrent before its connections. */
	hold_peer(std::shared_ptr<hold_torrent> t, const lt::peer_connection_handle &pc)
		: keep_(std::move(t)), t_(*keep_), pc_(pc),
		  c_(dsh_holdback_peer_new(t_.plan, this, dsl_now_ms())) {}

	~hold_peer() override { dsh_holdback_peer_free(t_.plan, c_); }

	lt::string_view type() const override { return URGENT_MSG_NAME; }

	void add_handshake(lt::entry &h) override
	{
		h["m"][URGENT_MSG_NAME] = URGENT_MSG_ID;
	}

	bool on_extension_handshake(const lt::bdecode_node &h) override
	{
		known();
		dsh_holdback_holdable(c_, h.dict_find_int_value(HOLD_KEY, 0) == 1);
		return true;
	}

	bool on_have(lt::piece_index_t p) override
	{
		known();
		dsh_holdback_has(t_.plan, c_, static_cast<int>(p), 1);
		return false;
	}

	bool on_bitfield(const lt::bitfield &b) override
	{
		known();
		for (int p = 0; p < t_.npieces && p < b.size(); p++)
			if (b.get_bit(lt::piece_index_t(p)))
				dsh_holdback_has(t_.plan, c_, p, 0);
		return false;
	}

	bool on_have_all() override
	{
		known();
		for (int p = 0; p < t_.npieces; p++)
			dsh_holdback_has(t_.plan, c_, p, 0);
		return false;
	}

	bool on_dont_have(lt::piece_index_t p) override
	{
		dsh_holdback_dont_have(t_.plan, c_, static_cast<int>(p));
		return false;
	}

	/* Pieces the peer's reads wait for. */
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
			if (p >= (uint32_t)t_.npieces)
				continue;
			if (t_.count)
				t_.count->marked++;
			dsh_holdback_urgent(t_.plan, c_, (int)p);
		}
		return true;
	}

	bool on_request(const lt::peer_request &r) override
	{
		trace_req(t_.trace.get(), 'Q', r, pc_);
		known();
		dsh_holdback_req q = req_of(r);
		if (!dsh_holdback_request(t_.plan, c_, &q, dsl_now_ms()))
			return false;
		if (t_.count)
			t_.count->held++;
		return true;
	}

	bool on_cancel(const lt::peer_request &r) override
	{
		dsh_holdback_req q = req_of(r);
		return dsh_holdback_cancel(t_.plan, c_, &q) != 0;
	}

	void sent_piece(const lt::peer_request &r) override
	{
		trace_req(t_.trace.get(), 'S', r, pc_);
		dsh_holdback_req q = req_of(r);
		dsh_holdback_sent(t_.plan, c_, &q, dsl_now_ms());
	}

	void reject(const dsh_holdback_req &r)
	{
		char msg[17];
		put32(msg, 13);
		msg[4] = 16;   /* BEP 6 reject request: index, begin, length */
		put32(msg + 5, (uint32_t)r.piece);
		put32(msg + 9, (uint32_t)r.start);
		put32(msg + 13, (uint32_t)r.length);
		pc_.send_buffer(msg, (int)sizeof(msg));
		if (t_.count)
			t_.count->rejected++;
	}

private:
	/* The peer id is in once the handshake is: another seeder's requests
	 * are never held, and it never counts as a holder. */
	void known()
	{
		if (!seeder_known_ && !pc_.pid().is_all_zeros()) {
			seeder_known_ = true;
			dsh_holdback_seeder(c_, is_seeder_id(pc_.pid()));
		}
	}

	std::shared_ptr<hold_torrent> keep_;
	hold_torrent &t_;
	lt::peer_connection_handle pc_;
	dsh_holdback_peer *c_;
	bool seeder_known_ = false;
};

void hold_torrent::reject(void *peer, const dsh_holdback_req *r)
{
	static_cast<hold_peer *>(peer)->reject(*r);
}

std::shared_ptr<lt::peer_plugin> hold_torrent::new_connection(const lt::peer_connection_handle &pc)
{
	if (pc.type() != lt::connection_type::bittorrent)
		return nullptr;
	return std::make_shared<hold_peer>(shared_from_this(), pc);
}

/* ---- Downloader ---------------------------------------------------------- */

class mark_peer : public lt::peer_plugin {
public:
	mark_peer(const uint8_t *u, size_t n, std::shared_ptr<counters> c,
		  std::shared_ptr<dsh_trace> tr, const lt::peer_connection_handle &pc)
		: urgent_(u), count_(std::move(c)), trace_(std::move(tr)), pc_(pc), told_(n, false) {}

	lt::string_view type() const override { return "dsl_urgent_mark"; }

	/* A downloader serves the others too: its side of the trace. */
	bool on_request(const lt::peer_request &r) override
	{
		trace_req(trace_.get(), 'Q', r, pc_);
		return false;
	}

	void sent_piece(const lt::peer_request &r) override
	{
		trace_req(trace_.get(), 'S', r, pc_);
	}

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
	std::shared_ptr<dsh_trace> trace_;
	lt::peer_connection_handle pc_;
	std::vector<bool> told_;   /* marked on this connection already */
	int id_ = 0;               /* the seeder's id for the message, 0: none */
};

struct mark_torrent : lt::torrent_plugin {
	const uint8_t *urgent;
	size_t npieces;
	std::shared_ptr<counters> count;
	std::shared_ptr<dsh_trace> trace;

	mark_torrent(const uint8_t *u, size_t n, std::shared_ptr<counters> c,
		     std::shared_ptr<dsh_trace> tr)
		: urgent(u), npieces(n), count(std::move(c)), trace(std::move(tr)) {}
	std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle &pc) override
	{
		if (pc.type() != lt::connection_type::bittorrent)
			return nullptr;
		return std::make_shared<mark_peer>(urgent, npieces, count, trace, pc);
	}
};

} /* namespace */

plugin_fn seeder(int npieces, int urgent_hold_ms, std::shared_ptr<counters> c,
		 std::shared_ptr<dsh_trace> trace)
{
	return [npieces, urgent_hold_ms, c, trace](const lt::torrent_handle &, lt::client_data_t) {
		return std::shared_ptr<lt::torrent_plugin>(
			std::make_shared<hold_torrent>(npieces, urgent_hold_ms, c, trace));
	};
}

plugin_fn downloader(const uint8_t *urgent, size_t npieces, std::shared_ptr<counters> c,
		     std::shared_ptr<dsh_trace> trace)
{
	return [urgent, npieces, c, trace](const lt::torrent_handle &, lt::client_data_t) {
		return std::shared_ptr<lt::torrent_plugin>(
			std::make_shared<mark_torrent>(urgent, npieces, c, trace));
	};
}

} /* namespace dsh_hold */
