/* dsl_private.cpp - a job's private swarm (dsl_private.hpp). */
#include "dsl_private.hpp"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/ip_filter.hpp>

/* A .torrent of a set is a few MiB at most (piece layers: 32 bytes a piece);
 * the cap keeps a hostile registry file from exhausting memory. */
#define DSL_PRIVATE_MAX_TORRENT (256L << 20)

static bool read_all(const char *path, std::vector<char> &buf, struct dsl_err *e)
{
	std::ifstream in(path, std::ios::binary | std::ios::ate);
	if (!in) {
		dsl_err_set(e, "%s: cannot open: %s", path, strerror(errno));
		return false;
	}
	std::streamoff n = in.tellg();
	if (n < 0 || n > DSL_PRIVATE_MAX_TORRENT) {
		dsl_err_set(e, "%s: not a torrent of a set (over %ld bytes)", path,
			    DSL_PRIVATE_MAX_TORRENT);
		return false;
	}
	buf.resize((size_t)n);
	in.seekg(0);
	if (!in.read(buf.data(), n)) {
		dsl_err_set(e, "%s: cannot read", path);
		return false;
	}
	return true;
}

std::shared_ptr<lt::torrent_info> dsl_private_torrent(const char *path, const char *swarm_key,
						      struct dsl_err *e)
{
	std::vector<char> buf;
	lt::error_code ec;

	if (!read_all(path, buf, e))
		return nullptr;
	lt::bdecode_node root = lt::bdecode(buf, ec);
	if (ec || root.type() != lt::bdecode_node::dict_t ||
	    root.dict_find_dict("info").type() != lt::bdecode_node::dict_t) {
		dsl_err_set(e, "%s: not a valid torrent: %s", path,
			    ec ? ec.message().c_str() : "no info dictionary");
		return nullptr;
	}
	lt::entry t(root);
	lt::entry &info = t["info"];
	/* entry's dictionary is sorted, so the new info dict is canonical
	 * bencoding again; the keys already there are written unchanged. */
	info["private"] = 1;
	info[DSL_PRIVATE_INFO_KEY] = std::string(swarm_key);
	std::vector<char> out;
	lt::bencode(std::back_inserter(out), t);
	auto ti = std::make_shared<lt::torrent_info>(out, ec, lt::from_span);
	if (ec) {
		dsl_err_set(e, "%s: the job's torrent is not valid: %s", path,
			    ec.message().c_str());
		return nullptr;
	}
	return ti;
}

void dsl_private_session(lt::session_params &sp)
{
	lt::settings_pack &p = sp.settings;
	const char *pe = getenv("DSL_HELPER_PE");
	bool rc4 = pe && !strcmp(pe, "rc4");

	p.set_int(lt::settings_pack::in_enc_policy, lt::settings_pack::pe_forced);
	p.set_int(lt::settings_pack::out_enc_policy, lt::settings_pack::pe_forced);
	/* The handshake authenticates; the payload after it stays plaintext:
	 * RC4 doubled the seeder's CPU in tests/bench/helper/private.sh and
	 * hides nothing from root on the wire that the announce does not show. */
	p.set_int(lt::settings_pack::allowed_enc_level,
		  rc4 ? lt::settings_pack::pe_rc4 : lt::settings_pack::pe_plaintext);
	p.set_bool(lt::settings_pack::prefer_rc4, rc4);
	/* No ut_metadata (the info dict, with the key in it, never leaves the
	 * node), no ut_pex, no smart_ban (v2 hashes every block anyway). */
	sp.extensions.clear();
}

static lt::address cidr_addr(const struct dsl_cidr &c, const unsigned char *b)
{
	if (c.v6) {
		lt::address_v6::bytes_type a;
		std::memcpy(a.data(), b, 16);
		return lt::address_v6(a);
	}
	lt::address_v4::bytes_type a;
	std::memcpy(a.data(), b, 4);
	return lt::address_v4(a);
}

int dsl_private_filter(lt::session_params &sp, const char *nets, struct dsl_err *e)
{
	struct dsl_cidr r[DSL_CIDR_MAX];
	size_t n;
	lt::ip_filter f;
	lt::error_code ec;

	if (dsl_cidr_parse_list(nets, r, &n, e) < 0)
		return -1;
	f.add_rule(lt::make_address("0.0.0.0", ec), lt::make_address("255.255.255.255", ec),
		   lt::ip_filter::blocked);
	f.add_rule(lt::make_address("::", ec),
		   lt::make_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ec),
		   lt::ip_filter::blocked);
	for (size_t i = 0; i < n; i++)
		f.add_rule(cidr_addr(r[i], r[i].first), cidr_addr(r[i], r[i].last), 0);
	sp.ip_filter = f;
	/* The filter is about peers; a tracker elsewhere stays reachable. */
	sp.settings.set_bool(lt::settings_pack::apply_ip_filter_to_trackers, false);
	return 0;
}
