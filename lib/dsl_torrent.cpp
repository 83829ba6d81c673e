/* dsl_torrent.cpp - v2 torrents of sets: creating (dsl create), loading
 * (dsl, the helper).  The helper's libtorrent session is helper/dsh_session.cpp.
 *
 * Every entry point catches everything: no exception may unwind through C
 * frames.  Errors become "object: reason" in a struct dsl_err. */
#include "dsl_err.h"
#include "dsl_torrent.h"
#include "dsl_torrent_int.hpp"
extern "C" {
#include "dsl_util.h"
}

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

namespace dsl_tor {

char *xstrdup(const std::string &s)
{
	char *p = strdup(s.c_str());
	if (!p)
		abort(); /* out of memory is fatal everywhere in this project */
	return p;
}

void hex_of(const char *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[(unsigned char)bytes[i] >> 4];
		out[2 * i + 1] = digits[(unsigned char)bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- temporary tree of symlinks ---------------------------------------
 * set_piece_hashes() reads save_path/NAME/relpath; the set's files live
 * anywhere, so a throw-away tree of symlinks points at them.  It owns the
 * directory and removes it on every path out. */
class link_tree {
public:
	link_tree() = default;
	link_tree(const link_tree &) = delete;
	link_tree &operator=(const link_tree &) = delete;
	~link_tree()
	{
		for (auto it = made_.rbegin(); it != made_.rend(); ++it)
			(it->second ? rmdir : unlink)(it->first.c_str());
		if (!root_.empty())
			rmdir(root_.c_str());
	}

	int init(struct dsl_err *e)
	{
		const char *tmp = getenv("TMPDIR");
		std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/dsl-create-XXXXXX";
		std::vector<char> buf(tmpl.begin(), tmpl.end());
		buf.push_back('\0');
		if (!mkdtemp(buf.data())) {
			dsl_err_set(e, "%s: cannot create temporary directory: %s",
				    tmpl.c_str(), strerror(errno));
			return -1;
		}
		root_ = buf.data();
		return 0;
	}

	const std::string &root() const { return root_; }

	/* relpath = NAME/a/b; makes the directories on the way. */
	int add(const std::string &relpath, const char *source, struct dsl_err *e)
	{
		if (add_dirs(relpath, e) != 0)
			return -1;
		std::string link = root_ + "/" + relpath;
		if (symlink(source, link.c_str()) != 0) {
			dsl_err_set(e, "%s: cannot link to %s: %s", link.c_str(),
				    source, strerror(errno));
			return -1;
		}
		made_.emplace_back(link, false);
		return 0;
	}

	int add_dirs(const std::string &relpath, struct dsl_err *e)
	{
		size_t pos = 0;
		while ((pos = relpath.find('/', pos)) != std::string::npos) {
			std::string dir = root_ + "/" + relpath.substr(0, pos);
			if (mkdir(dir.c_str(), 0700) == 0)
				made_.emplace_back(dir, true);
			else if (errno != EEXIST) {
				dsl_err_set(e, "%s: %s", dir.c_str(), strerror(errno));
				return -1;
			}
			pos++;
		}
		return 0;
	}

	/* relpath = NAME/FILE: a regular file the caller writes at *path. */
	int add_file(const std::string &relpath, std::string *path, struct dsl_err *e)
	{
		if (add_dirs(relpath, e) != 0)
			return -1;
		*path = root_ + "/" + relpath;
		made_.emplace_back(*path, false);
		return 0;
	}

private:
	std::string root_;
	std::vector<std::pair<std::string, bool>> made_; /* path, is_dir */
};

int check_piece_size(uint32_t ps, struct dsl_err *e)
{
	if (ps < 16384 || (ps & (ps - 1)) != 0) {
		dsl_err_set(e, "piece size %u: must be a power of two of at least 16384", ps);
		return -1;
	}
	return 0;
}

/* ---- file names in the torrent ------------------------------------------
 * A Linux file name may hold any byte but '/' and NUL; libtorrent, loading
 * a torrent, rewrites names (control characters and invalid UTF-8 become
 * '_', '\\' and direction marks vanish, parts of 240 bytes and more are
 * cut).  So the torrent carries each name escaped (%XX for every byte
 * libtorrent would touch, and for '%' itself) and the set's own names stay
 * in the description.  Such a torrent says so in its info dictionary
 * (DSL_NAMES_KEY, part of the info-hash); older torrents are read as they
 * are.  A name still too long once escaped is refused. */
#define DSL_NAMES_KEY "x-dsl-names"
#define DSL_NAMES_ESCAPED "pct"
#define DSL_MAX_TNAME 240   /* libtorrent cuts path parts from 240 bytes on */
/* libtorrent reads a v2 file tree at most ~94 directories deep (bencode
 * nesting); below this depth the rest of a path is one part, its '/'
 * escaped, so deep trees are served too. */
#define DSL_MAX_TDEPTH 90

/* Length of the UTF-8 sequence at s that libtorrent keeps as it is, 0 if
 * it would change it (invalid, overlong, surrogate, C1 control, or one of
 * the direction marks it drops). */
size_t utf8_kept(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0 ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e))
		return 0;
	return len;
}

/* The torrent's name for a set path; "" when a part is too long. */
std::string tname_encode(const std::string &path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = reinterpret_cast<const unsigned char *>(path.data());
	size_t n = path.size(), part = 0;
	int depth = 0;
	std::string out;

	for (size_t i = 0; i < n;) {
		size_t k = s[i] >= 0x80 ? utf8_kept(s + i, n - i) : 0;
		if (s[i] == '/' && ++depth < DSL_MAX_TDEPTH) {
			out += '/';
			part = out.size();
			i++;
			continue;
		}
		if (k) {
			out.append(path, i, k);
			i += k;
		} else if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '%' || s[i] == '\\' || s[i] == '/') {
			out += '%';
			out += hex[s[i] >> 4];
			out += hex[s[i] & 15];
			i++;
		} else {
			out += (char)s[i++];
		}
		if (out.size() - part >= DSL_MAX_TNAME)
			return std::string();
	}
	return out;
}

std::string tname_decode(const std::string &t)
{
	std::string out;
	for (size_t i = 0; i < t.size(); i++) {
		if (t[i] == '%' && i + 2 < t.size() && isxdigit((unsigned char)t[i + 1]) &&
		    isxdigit((unsigned char)t[i + 2])) {
			out += (char)std::stoi(t.substr(i + 1, 2), nullptr, 16);
			i += 2;
		} else {
			out += t[i];
		}
	}
	return out;
}

bool names_escaped(const lt::torrent_info &ti)
{
	lt::span<char const> info = ti.info_section();
	lt::error_code ec;
	lt::bdecode_node n = lt::bdecode(info, ec);
	return !ec && n.type() == lt::bdecode_node::dict_t &&
		n.dict_find_string_value(DSL_NAMES_KEY) == DSL_NAMES_ESCAPED;
}

/* The set path of file i: its torrent path without "NAME/", unescaped. */
std::string set_path(const lt::torrent_info &ti, lt::file_index_t i, bool escaped)
{
	std::string p = ti.files().file_path(i);
	std::string prefix = ti.name() + "/";
	if (p.compare(0, prefix.size(), prefix) == 0)
		p = p.substr(prefix.size());
	return escaped ? tname_decode(p) : p;
}

/* ---- the pack ------------------------------------------------------------
 * v2 torrents start every file on a piece boundary, and libtorrent asks for
 * whole 16 KiB blocks: a file of a few bytes cost a 16 KiB block on every
 * node's wire (measured: 17 KB per file for 3,000 files of 2-8 bytes).  So
 * every file under DSL_PACK_MAX bytes travels inside one torrent file, the
 * pack (DSL_PACK_NAME: '%' is escaped in every set name, so no set file
 * can be called that), back to back in path order.  What is left on the
 * wire is at most one partial block per file of DSL_PACK_MAX bytes or more
 * (at most 1/16 of it) and one for the pack.  The info dictionary lists the
 * packed files (DSL_PACK_KEY: name, offset, size, mtime, v2 root of the
 * file alone), so the list is covered by the info-hash.  dsl create and
 * dsl verify build the pack in a temporary directory to hash it; a seeder
 * builds it in its cache from the sources, once, before it serves.  Only
 * torrents with escaped names have a pack: in an older one a file called
 * "%pack" is just a file.  (Its constants and pack_item: dsl_torrent_int.hpp.) */

/* The v2 "pieces root" of a file from its 16 KiB blocks' SHA-256 (BEP 52:
 * zero leaves up to a power of two), the same whatever the piece size, so
 * a packed file's hash compares with an unpacked file's merkle root. */
lt::sha256_hash file_root(std::vector<lt::sha256_hash> level)
{
	size_t n = 1;
	while (n < level.size())
		n *= 2;
	level.resize(n);   /* zero: padding */
	while (level.size() > 1) {
		for (size_t k = 0; k < level.size() / 2; k++)
			level[k] = lt::hasher256(level[2 * k]).update(level[2 * k + 1]).final();
		level.resize(level.size() / 2);
	}
	return level[0];
}

/* Copies one item's source into the pack at its offset, hashing it. */
int pack_one(pack_item &it, int out, const std::string &dst, std::vector<char> &buf,
	     std::string &why)
{
	int in = open(it.source.c_str(), O_RDONLY | O_CLOEXEC);
	std::vector<lt::sha256_hash> leaves;
	lt::hasher256 h;
	size_t in_block = 0;
	uint64_t got = 0;
	ssize_t n = 0;
	if (in < 0) {
		why = it.source + ": cannot read: " + strerror(errno);
		return 1;
	}
	while ((n = read(in, buf.data(), buf.size())) > 0) {
		if (got + (uint64_t)n > it.size) {
			got += (uint64_t)n;   /* grew since it was listed */
			break;
		}
		for (ssize_t k = 0; k < n;) {
			size_t take = std::min<size_t>((size_t)(n - k), 16384 - in_block);
			h.update(buf.data() + k, (int)take);
			k += (ssize_t)take;
			if ((in_block += take) == 16384) {
				leaves.push_back(h.final());
				h.reset();
				in_block = 0;
			}
		}
		if (pwrite(out, buf.data(), (size_t)n, (off_t)(it.offset + got)) != n) {
			why = dst + ": cannot write: " + strerror(errno);
			close(in);
			return -1;
		}
		got += (uint64_t)n;
	}
	close(in);
	if (n < 0 || got != it.size) {
		why = it.source + ": " + (n < 0 ? strerror(errno) : "size changed") +
			" (expected " + std::to_string(it.size) + " bytes)";
		return 1;
	}
	if (in_block)
		leaves.push_back(h.final());
	it.sha = file_root(std::move(leaves));
	return 0;
}

/* Writes the items' sources into dst at their offsets, filling each
 * item's SHA-256.  A source that cannot be read fails the whole pack, or,
 * with bad given, is listed there and left as zeros.  Writing dst must
 * work either way. */
int build_pack(std::vector<pack_item> &items, const std::string &dst,
	       std::vector<std::string> *bad, struct dsl_err *e)
{
	int out = open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	std::vector<char> buf(1 << 16);
	uint64_t end = 0;
	std::string why;
	if (out < 0) {
		dsl_err_set(e, "%s: cannot create: %s", dst.c_str(), strerror(errno));
		return -1;
	}
	for (pack_item &it : items) {
		int rc = pack_one(it, out, dst, buf, why);
		end = std::max(end, it.offset + it.size);
		if (rc < 0 || (rc > 0 && !bad)) {
			dsl_err_set(e, "%s", why.c_str());
			close(out);
			return -1;
		}
		if (rc > 0)
			bad->push_back(why);
	}
	int rc = ftruncate(out, (off_t)end);
	if (close(out) != 0 || rc != 0) {
		dsl_err_set(e, "%s: cannot write: %s", dst.c_str(), strerror(errno));
		return -1;
	}
	return 0;
}

/* The packed files of a torrent, from its info dictionary, checked against
 * the pack's size.  pack: the pack's file index, or -1 if none. */
int read_pack_index(const lt::torrent_info &ti, lt::file_index_t *pack,
		    std::vector<pack_item> &items, std::string &why)
{
	const lt::file_storage &fs = ti.files();
	std::string want = ti.name() + "/" DSL_PACK_NAME;
	*pack = lt::file_index_t(-1);
	if (!names_escaped(ti))
		return 0;
	for (lt::file_index_t i : fs.file_range())
		if (!fs.pad_file_at(i) && (fs.file_path(i) == want ||
					   fs.file_path(i) == DSL_PACK_NAME))
			*pack = i;
	lt::error_code ec;
	lt::bdecode_node info = lt::bdecode(ti.info_section(), ec);
	lt::bdecode_node list = ec ? lt::bdecode_node() : info.dict_find_list(DSL_PACK_KEY);
	if (!list)
		return static_cast<int>(*pack) < 0 ? 0 : (why = "pack without its index", -1);
	if (static_cast<int>(*pack) < 0)
		return why = "pack index without a pack", -1;
	uint64_t psize = (uint64_t)fs.file_size(*pack);
	for (int k = 0; k < list.list_size(); k++) {
		lt::bdecode_node e = list.list_at(k);
		pack_item it;
		if (e.type() != lt::bdecode_node::list_t || e.list_size() != 5 ||
		    e.list_at(4).type() != lt::bdecode_node::string_t ||
		    e.list_at(4).string_length() != 32)
			return why = "malformed pack index", -1;
		it.tname = std::string(e.list_string_value_at(0));
		it.offset = (uint64_t)e.list_int_value_at(1, -1);
		it.size = (uint64_t)e.list_int_value_at(2, -1);
		it.mtime = e.list_int_value_at(3, 0);
		it.sha = lt::sha256_hash(e.list_at(4).string_ptr());
		if (it.tname.empty() || it.size == 0 || it.size > psize ||
		    it.offset > psize - it.size)
			return why = "pack index entry out of the pack", -1;
		items.push_back(it);
	}
	return 0;
}

/* Fill meta from a loaded torrent: the set's files (packed ones included,
 * the pack itself and pad files left out) sorted by path, with the
 * "NAME/" prefix stripped and names unescaped.  -1 (why set) when the
 * torrent's pack index does not fit its pack. */
int fill_meta(const lt::torrent_info &ti, struct dsl_tmeta *m, std::string &why)
{
	const lt::file_storage &fs = ti.files();
	std::memset(m, 0, sizeof(*m));
	lt::sha256_hash ih = ti.info_hashes().v2;
	hex_of(ih.data(), ih.size(), m->infohash);
	m->piece_size = (uint32_t)ti.piece_length();
	m->num_pieces = ti.num_pieces();
	m->total_size = (uint64_t)ti.total_size();

	lt::file_index_t pack;
	std::vector<pack_item> packed;
	if (read_pack_index(ti, &pack, packed, why) != 0)
		return -1;
	m->name = xstrdup(ti.name());
	std::vector<struct dsl_tfile> out;
	bool escaped = names_escaped(ti);
	for (lt::file_index_t i : fs.file_range()) {
		if (fs.pad_file_at(i) || i == pack)
			continue;
		struct dsl_tfile f;
		std::memset(&f, 0, sizeof(f));
		f.path = xstrdup(set_path(ti, i, escaped));
		f.size = (uint64_t)fs.file_size(i);
		f.offset = (uint64_t)fs.file_offset(i);
		f.mtime = (int64_t)fs.mtime(i);
		f.data_file = static_cast<int>(i);
		if (f.size > 0) {
			lt::sha256_hash r = fs.root(i);
			hex_of(r.data(), r.size(), f.root);
			f.first_piece = static_cast<int>(fs.map_file(i, 0, 0).piece);
			f.end_piece = static_cast<int>(
				fs.map_file(i, fs.file_size(i) - 1, 1).piece) + 1;
		} else {
			f.first_piece = f.end_piece =
				static_cast<int>(fs.piece_index_at_file(i));
		}
		out.push_back(f);
	}
	for (const pack_item &it : packed) {
		struct dsl_tfile f;
		std::memset(&f, 0, sizeof(f));
		f.path = xstrdup(tname_decode(it.tname));
		f.size = it.size;
		f.offset = (uint64_t)fs.file_offset(pack) + it.offset;
		f.data_offset = it.offset;
		f.data_file = static_cast<int>(pack);
		f.mtime = it.mtime;
		f.packed = 1;
		hex_of(it.sha.data(), it.sha.size(), f.root);
		f.first_piece = static_cast<int>(fs.map_file(pack, (std::int64_t)it.offset, 0).piece);
		f.end_piece = static_cast<int>(
			fs.map_file(pack, (std::int64_t)(it.offset + it.size - 1), 1).piece) + 1;
		out.push_back(f);
	}
	std::sort(out.begin(), out.end(), [](const dsl_tfile &a, const dsl_tfile &b) {
		return std::strcmp(a.path, b.path) < 0;
	});
	m->nfiles = out.size();
	m->files = static_cast<struct dsl_tfile *>(calloc(out.size() ? out.size() : 1,
							   sizeof(struct dsl_tfile)));
	if (!m->files)
		abort();
	std::copy(out.begin(), out.end(), m->files);
	return 0;
}

struct progress_ctx {
	dsl_hash_progress_fn fn;
	void *arg;
	int total;
};

/* Written to a temporary name, synced, renamed: never half a torrent. */
int write_file(const char *out_path, const std::vector<char> &buf, struct dsl_err *e)
{
	std::string tmp = std::string(out_path) + ".tmp";
	FILE *f = fopen(tmp.c_str(), "wb");
	if (!f) {
		dsl_err_set(e, "%s: %s", tmp.c_str(), strerror(errno));
		return -1;
	}
	bool ok = fwrite(buf.data(), 1, buf.size(), f) == buf.size();
	ok = (fflush(f) == 0) && ok && fsync(fileno(f)) == 0;
	int err = errno;
	fclose(f);
	if (!ok || rename(tmp.c_str(), out_path) != 0) {
		if (ok)
			err = errno;
		unlink(tmp.c_str());
		dsl_err_set(e, "%s: cannot write: %s", out_path, strerror(err));
		return -1;
	}
	return 0;
}

int load_meta(const std::vector<char> &buf, const char *name, struct dsl_tmeta *m,
	      struct dsl_err *e)
{
	lt::error_code ec;
	lt::torrent_info ti(buf.data(), (int)buf.size(), ec);
	if (ec) {
		/* e.g. a tree deeper than libtorrent reads (100 levels) */
		dsl_err_set(e, "set %s: libtorrent cannot read the torrent made of it: %s",
			    name, ec.message().c_str());
		return -1;
	}
	std::string why;
	if (fill_meta(ti, m, why) != 0) {
		dsl_err_set(e, "set %s: %s", name, why.c_str());
		return -1;
	}
	return 0;
}

/* Every input file under its own name in the torrent (m sorted by path). */
int names_match(const struct dsl_tmeta &m, const struct dsl_tfile_in *files, size_t nfiles,
		struct dsl_err *e)
{
	for (size_t i = 0; i < nfiles; i++)
		if (dsl_tmeta_find(&m, files[i].path) < 0) {
			dsl_err_set(e, "%s: libtorrent would not keep this file's name "
				    "(set path '%s'); rename it", files[i].source, files[i].path);
			return -1;
		}
	if (m.nfiles != nfiles) {
		dsl_err_set(e, "torrent holds %zu files, the set %zu (names that "
			    "collide once read by libtorrent?)", m.nfiles, nfiles);
		return -1;
	}
	return 0;
}

/* Lays the small files out back to back (path order), builds the pack
 * under the link tree and adds it to the torrent. */
int add_pack(link_tree &links, const char *name, std::vector<pack_item> &packed,
	     lt::file_storage &fs, struct dsl_err *e)
{
	uint64_t at = 0;
	if (packed.empty())
		return 0;
	std::sort(packed.begin(), packed.end(), [](const pack_item &a, const pack_item &b) {
		return a.tname < b.tname;
	});
	for (pack_item &it : packed) {
		it.offset = at;
		at += it.size;
	}
	std::string rel = std::string(name) + "/" DSL_PACK_NAME;
	std::string dst;
	if (links.add_file(rel, &dst, e) != 0 || build_pack(packed, dst, nullptr, e) != 0)
		return -1;
	fs.add_file(rel, (std::int64_t)at, lt::file_flags_t{}, 0);
	return 0;
}

int create_impl(const char *name, const struct dsl_tfile_in *files, size_t nfiles,
		uint32_t piece_size, const char *out_path, dsl_hash_progress_fn progress,
		void *arg, struct dsl_tmeta *meta, struct dsl_err *e)
{
	if (check_piece_size(piece_size, e) != 0)
		return -1;
	if (!name || !*name || std::strchr(name, '/')) {
		dsl_err_set(e, "torrent name \"%s\": must be a non-empty name without '/'",
			    name ? name : "");
		return -1;
	}
	link_tree links;
	if (links.init(e) != 0)
		return -1;
	lt::file_storage fs;
	uint64_t sum = 0;
	std::vector<pack_item> packed;
	for (size_t i = 0; i < nfiles; i++) {
		std::string tname = tname_encode(files[i].path);
		if (tname.empty()) {
			dsl_err_set(e, "%s: name too long for a torrent: a part of it (or "
				    "all of it below %d directories) may have %d bytes, "
				    "each byte other than printable ASCII and valid "
				    "UTF-8 counting 3; rename it", files[i].source,
				    DSL_MAX_TDEPTH, DSL_MAX_TNAME - 1);
			return -1;
		}
		std::string rel = std::string(name) + "/" + tname;
		struct stat st;
		if (stat(files[i].source, &st) != 0) {
			dsl_err_set(e, "%s: %s", files[i].source, strerror(errno));
			return -1;
		}
		if ((uint64_t)st.st_size != files[i].size) {
			dsl_err_set(e, "%s: size is %lld bytes, expected %llu (file changed?)",
				    files[i].source, (long long)st.st_size,
				    (unsigned long long)files[i].size);
			return -1;
		}
		sum += files[i].size;
		if (files[i].size > 0 && files[i].size < DSL_PACK_MAX) {
			packed.push_back(pack_item{tname, files[i].source, files[i].size, 0,
						   (int64_t)st.st_mtime, {}});
			continue;
		}
		if (links.add(rel, files[i].source, e) != 0)
			return -1;
		fs.add_file(rel, (std::int64_t)files[i].size,
			    files[i].executable ? lt::file_storage::flag_executable
						: lt::file_flags_t{}, (std::time_t)st.st_mtime);
	}
	if (nfiles == 0 || sum == 0) {
		dsl_err_set(e, "set %s: no data to share (no files, or all empty)", name);
		return -1;
	}
	if (add_pack(links, name, packed, fs, e) != 0)
		return -1;
	/* mtime kept: a view must show the sources' times or Python finds
	 * every __pycache__ stale and compiles each module again. */
	lt::create_torrent ct(fs, (int)piece_size,
			      lt::create_torrent::v2_only | lt::create_torrent::modification_time);
	ct.set_creator("dslswarm");
	progress_ctx pc{progress, arg, ct.num_pieces()};
	std::atomic<int> done{0};
	lt::error_code ec;
	lt::set_piece_hashes(ct, links.root(), [&](lt::piece_index_t) {
		int d = ++done;
		if (pc.fn)
			pc.fn(pc.arg, d, pc.total);
	}, ec);
	if (ec) {
		dsl_err_set(e, "set %s: hashing failed: %s", name, ec.message().c_str());
		return -1;
	}
	lt::entry gen = ct.generate();
	gen["info"][DSL_NAMES_KEY] = DSL_NAMES_ESCAPED;
	if (!packed.empty()) {
		lt::entry::list_type &index = gen["info"][DSL_PACK_KEY].list();
		for (const pack_item &it : packed)
			index.push_back(lt::entry::list_type{
				lt::entry(it.tname), lt::entry((std::int64_t)it.offset),
				lt::entry((std::int64_t)it.size), lt::entry((std::int64_t)it.mtime),
				lt::entry(std::string(it.sha.data(), it.sha.size()))});
	}
	std::vector<char> buf;
	lt::bencode(std::back_inserter(buf), gen);
	/* Read back as every node will: what libtorrent makes of each name
	 * must be the set's name, or the set is refused here, not in a job. */
	struct dsl_tmeta own;
	if (load_meta(buf, name, &own, e) != 0)
		return -1;
	int rc = names_match(own, files, nfiles, e);
	if (rc == 0 && out_path)
		rc = write_file(out_path, buf, e);
	if (rc == 0 && meta)
		*meta = own;
	else
		dsl_tmeta_free(&own);
	return rc;
}

/* Torrents of large sets hold a hash per piece: 64 MiB is plenty. */
constexpr size_t DSL_TORRENT_MAX_BYTES = 64u << 20;

std::shared_ptr<lt::torrent_info> load_ti(const char *path, struct dsl_err *e)
{
	lt::error_code ec;
	char *data = nullptr;
	size_t len = 0;

	/* dsl_read_file: regular files only, never blocking on a FIFO put in
	 * its place, bounded (libtorrent's own loader would block). */
	if (dsl_read_file(path, DSL_TORRENT_MAX_BYTES, &data, &len, e) < 0)
		return nullptr;
	std::shared_ptr<lt::torrent_info> ti;
	try {
		ti = std::make_shared<lt::torrent_info>(lt::span<char const>(data, (long)len),
							ec, lt::from_span);
	} catch (...) {
		free(data);
		throw;
	}
	free(data);
	if (ec) {
		dsl_err_set(e, "%s: not a valid torrent: %s", path, ec.message().c_str());
		return nullptr;
	}
	if (!ti->info_hashes().has_v2()) {
		dsl_err_set(e, "%s: not a v2 torrent (dslswarm needs SHA-256 v2 torrents)", path);
		return nullptr;
	}
	return ti;
}

} /* namespace dsl_tor */

using namespace dsl_tor;

extern "C" int dsl_torrent_create(const char *name, const struct dsl_tfile_in *files,
				  size_t nfiles, uint32_t piece_size, const char *out_path,
				  dsl_hash_progress_fn progress, void *arg,
				  struct dsl_tmeta *meta, struct dsl_err *e)
{
	try {
		return create_impl(name, files, nfiles, piece_size, out_path, progress,
				   arg, meta, e);
	} catch (const std::exception &ex) {
		dsl_err_set(e, "set %s: cannot create torrent: %s", name ? name : "?", ex.what());
	} catch (...) {
		dsl_err_set(e, "set %s: cannot create torrent: unknown error", name ? name : "?");
	}
	return -1;
}

extern "C" int dsl_torrent_load(const char *path, struct dsl_tmeta *meta, struct dsl_err *e)
{
	try {
		auto ti = load_ti(path, e);
		std::string why;
		if (!ti)
			return -1;
		if (fill_meta(*ti, meta, why) != 0) {
			dsl_err_set(e, "%s: not a valid set torrent: %s", path, why.c_str());
			return -1;
		}
		return 0;
	} catch (const std::exception &ex) {
		dsl_err_set(e, "%s: cannot load torrent: %s", path, ex.what());
	} catch (...) {
		dsl_err_set(e, "%s: cannot load torrent: unknown error", path);
	}
	return -1;
}

extern "C" void dsl_tmeta_free(struct dsl_tmeta *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	free(m->files);
	free(m->name);
	std::memset(m, 0, sizeof(*m));
}

extern "C" long dsl_tmeta_find(const struct dsl_tmeta *m, const char *path)
{
	size_t lo = 0, hi = m->nfiles;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = std::strcmp(m->files[mid].path, path);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

