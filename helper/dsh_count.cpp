/* dsh_count.cpp - per-peer byte counts on libtorrent's network thread
 * (dsh_count.hpp). */
#include "dsh_count.hpp"
#include "dsh_hold.hpp"   /* is_seeder_id */

#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/peer_request.hpp>

#include <cstring>
#include <vector>

namespace dsh_count {

namespace {

#define BLOCK lt::default_block_size   /* 16 KiB, what libtorrent requests */

struct count_torrent : lt::torrent_plugin, std::enable_shared_from_this<count_torrent> {
	std::vector<uint8_t> got;   /* per block of the set: a first copy came */
	int blocks_per_piece;
	std::shared_ptr<counts> c;

	count_torrent(int npieces, int piece_size, std::shared_ptr<counts> cs)
		: got((size_t)npieces * (size_t)((piece_size + BLOCK - 1) / BLOCK)),
		  blocks_per_piece((piece_size + BLOCK - 1) / BLOCK), c(std::move(cs)) {}
	std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle &pc) override;

	/* Its blocks come again and are first copies again. */
	void on_piece_failed(lt::piece_index_t p) override
	{
		size_t at = (size_t)static_cast<int>(p) * (size_t)blocks_per_piece;
		if (at + (size_t)blocks_per_piece <= got.size())
			std::memset(got.data() + at, 0, (size_t)blocks_per_piece);
	}
};

class count_peer : public lt::peer_plugin {
public:
	/* The peers keep the torrent's state alive: libtorrent may free a
	 * torrent before its connections. */
	count_peer(std::shared_ptr<count_torrent> t, const lt::peer_connection_handle &pc)
		: keep_(std::move(t)), t_(*keep_), pc_(pc) {}

	lt::string_view type() const override { return "dsl_count"; }

	bool on_piece(const lt::peer_request &r, lt::span<const char>) override
	{
		size_t b = (size_t)static_cast<int>(r.piece) * (size_t)t_.blocks_per_piece +
			(size_t)(r.start / BLOCK);
		if (r.start < 0 || b >= t_.got.size())
			return false;
		t_.c->traffic.fetch_add((uint64_t)r.length, std::memory_order_relaxed);
		if (t_.got[b])
			t_.c->redundant += (uint64_t)r.length;
		else {
			t_.got[b] = 1;
			acc()->down += (uint64_t)r.length;
		}
		return false;   /* libtorrent's to handle */
	}

	void sent_payload(int bytes) override
	{
		if (bytes > 0) {
			acc()->up += (uint64_t)bytes;
			t_.c->traffic.fetch_add((uint64_t)bytes, std::memory_order_relaxed);
		}
	}

private:
	/* Looked up once per connection (the map's nodes stay put); the peer
	 * id is in by the time payload moves. */
	peer *acc()
	{
		if (!acc_) {
			acc_ = t_.c->of(pc_.remote().address().to_string());
			if (dsh_hold::is_seeder_id(pc_.pid()))
				acc_->seed = true;
		}
		return acc_;
	}

	std::shared_ptr<count_torrent> keep_;
	count_torrent &t_;
	lt::peer_connection_handle pc_;
	peer *acc_ = nullptr;
};

std::shared_ptr<lt::peer_plugin> count_torrent::new_connection(const lt::peer_connection_handle &pc)
{
	if (pc.type() != lt::connection_type::bittorrent)
		return nullptr;
	return std::make_shared<count_peer>(shared_from_this(), pc);
}

} /* namespace */

peer *counts::of(const std::string &ip)
{
	std::lock_guard<std::mutex> g(mu);
	std::unique_ptr<peer> &p = peers[ip];
	if (!p)
		p = std::make_unique<peer>();
	return p.get();
}

plugin_fn counter(int npieces, int piece_size, std::shared_ptr<counts> c)
{
	return [npieces, piece_size, c](const lt::torrent_handle &, lt::client_data_t) {
		return std::shared_ptr<lt::torrent_plugin>(
			std::make_shared<count_torrent>(npieces, piece_size, c));
	};
}

} /* namespace dsh_count */
