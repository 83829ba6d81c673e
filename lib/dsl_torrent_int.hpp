/* dsl_torrent_int.hpp - what the torrent code (lib/dsl_torrent.cpp) shares
 * with the helper's session (helper/dsh_session.cpp): C++ only, never part
 * of the C interface (dsl_torrent.h). */
#ifndef DSL_TORRENT_INT_HPP
#define DSL_TORRENT_INT_HPP

#include <libtorrent/sha256.hpp>
#include <libtorrent/torrent_info.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dsl_err.h"
#include "dsl_torrent.h"

namespace dsl_tor {

/* The set's pack of small files (dsl_torrent.cpp, "pack"). */
#define DSL_PACK_MAX (256 * 1024)
#define DSL_PACK_NAME "%pack"
#define DSL_PACK_KEY "x-dsl-pack"

struct pack_item {
	std::string tname;     /* escaped name in the torrent */
	std::string source;
	uint64_t size, offset;
	int64_t mtime;
	libtorrent::sha256_hash sha;
};

char *xstrdup(const std::string &s);
/* n bytes as 2n lower-case hex digits and a NUL into out. */
void hex_of(const char *bytes, size_t n, char *out);
/* Writes the items' sources into dst at their offsets, filling each item's
 * SHA-256; a source that cannot be read fails the whole pack, or, with bad
 * given, is listed there and left as zeros. */
int build_pack(std::vector<pack_item> &items, const std::string &dst,
	       std::vector<std::string> *bad, struct dsl_err *e);
/* The packed files of a torrent, from its info dictionary, checked against
 * the pack's size.  pack: the pack's file index, or -1 if none. */
int read_pack_index(const libtorrent::torrent_info &ti, libtorrent::file_index_t *pack,
		    std::vector<pack_item> &items, std::string &why);
/* The set's files of a loaded torrent, sorted by path (dsl_tmeta). */
int fill_meta(const libtorrent::torrent_info &ti, struct dsl_tmeta *m, std::string &why);
/* A .torrent file, bounded, regular files only, v2 only. */
std::shared_ptr<libtorrent::torrent_info> load_ti(const char *path, struct dsl_err *e);

} /* namespace dsl_tor */

#endif
