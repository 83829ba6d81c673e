/* dsl_private.hpp - a job's private swarm (C++ side, used by dsl_torrent.cpp).
 *
 * The mechanism (README, "Security model"): the set's torrent is turned into
 * the job's own torrent by adding two keys to its info dict, "private" = 1
 * and "x-dsl-job" = the swarm half of the job key (dsl_jobkey.h).  The
 * files, piece layers and piece hashes are unchanged (seed mode and every
 * SHA-256 check work as before), but the info-hash is new and only holders
 * of the key can compute it.  Every connection then must complete the MSE/PE
 * handshake (pe_forced both ways), whose stream key is that info-hash: a
 * peer that cannot name it gets the responder's Diffie-Hellman value and
 * random padding and is dropped before a handshake, bitfield or byte of the
 * set is sent; a replayed handshake fails because both ends pick fresh DH
 * keys.  No extension is loaded (no ut_metadata: the info dict never leaves
 * a node; no peer exchange). */
#ifndef DSL_PRIVATE_HPP
#define DSL_PRIVATE_HPP

#include <memory>
#include <string>

#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>

#include "dsl_cidr.h"
#include "dsl_err.h"

/* The key added to the info dict. */
#define DSL_PRIVATE_INFO_KEY "x-dsl-job"

/* The job's torrent from the set's .torrent at path and the swarm half of
 * the job key; nullptr with e set on error. */
std::shared_ptr<lt::torrent_info> dsl_private_torrent(const char *path, const char *swarm_key,
						      struct dsl_err *e);
/* Forced MSE/PE handshake, plaintext payload after it, no extensions.
 * DSL_HELPER_PE=rc4 encrypts the payload too (only for the benchmark that
 * compares both: the prolog starts helpers with a fixed environment). */
void dsl_private_session(lt::session_params &sp);
/* Peers only from these ranges (dsl_cidr.h), in and out; the tracker is
 * not filtered.  -1 with e set when nets does not parse. */
int dsl_private_filter(lt::session_params &sp, const char *nets, struct dsl_err *e);

#endif
