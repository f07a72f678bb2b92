#include "store/snapshot_fingerprint.hpp"

#include <algorithm>
#include <optional>

#include "util/crypto.hpp"

namespace store {

namespace {

// Fields are written with a length prefix, so no two different lists of values serialise alike.
class Canonical {
 public:
  Canonical& add(const std::string& s) {
    m_text += std::to_string(s.size()) + ":" + s + ";";
    return *this;
  }
  Canonical& add(bool b) { return add(std::string(b ? "1" : "0")); }
  Canonical& add(const std::optional<int>& v) { return add(v ? std::to_string(*v) : std::string("null")); }
  Canonical& add(std::vector<std::string> list) {
    std::sort(list.begin(), list.end());
    m_text += "[" + std::to_string(list.size()) + "]";
    for (const auto& s : list) add(s);
    return *this;
  }
  void end_object() { m_text += "\n"; }
  std::string hash() const { return util::sha256_hex(m_text); }

 private:
  std::string m_text;
};

template <typename T>
std::vector<const T*> sorted_by_id(const std::vector<T>& items) {
  std::vector<const T*> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(&item);
  std::sort(out.begin(), out.end(), [](const T* a, const T* b) { return a->id < b->id; });
  return out;
}

void write(Canonical& c, const core::App& a) {
  c.add(a.id).add(a.bundle_id).add(a.name).add(a.sku);
}
void write(Canonical& c, const core::User& u) {
  c.add(u.id).add(u.username).add(u.first_name).add(u.last_name).add(u.roles);
  c.add(u.all_apps_visible).add(u.provisioning_allowed).add(u.visible_app_ids);
}
void write(Canonical& c, const core::Invitation& i) {
  c.add(i.id).add(i.email).add(i.first_name).add(i.last_name).add(i.roles);
  c.add(i.all_apps_visible).add(i.provisioning_allowed).add(i.expiration_date).add(i.visible_app_ids);
}
void write(Canonical& c, const core::BetaGroup& g) {
  c.add(g.id)
      .add(g.app_id)
      .add(g.name)
      .add(g.created_date)
      .add(g.is_internal)
      .add(g.has_access_to_all_builds);
  c.add(g.public_link_enabled).add(g.public_link_limit_enabled).add(g.public_link_limit).add(g.public_link);
  c.add(g.feedback_enabled);
}
// Memberships are their own collection.
void write(Canonical& c, const core::BetaTester& t) {
  c.add(t.id).add(t.email).add(t.first_name).add(t.last_name).add(t.invite_type).add(t.state);
}
void write(Canonical& c, const core::Certificate& x) {
  c.add(x.id).add(x.name).add(x.certificate_type).add(x.display_name).add(x.serial_number).add(x.platform);
  c.add(x.expiration_date).add(x.activated);
}
void write(Canonical& c, const core::Profile& p) {
  c.add(p.id).add(p.name).add(p.platform).add(p.profile_type).add(p.profile_state).add(p.uuid);
  c.add(p.created_date).add(p.expiration_date).add(p.bundle_id_id).add(p.certificate_ids);
}

template <typename T>
std::string collection_hash(const std::vector<T>& items) {
  Canonical c;
  for (const T* item : sorted_by_id(items)) {
    write(c, *item);
    c.end_object();
  }
  return c.hash();
}

}  // namespace

std::string SnapshotFingerprint::digest() const {
  std::string all;
  for (const auto& [name, hash] : collections) all += name + "=" + hash + "\n";
  return util::sha256_hex(all);
}

SnapshotFingerprint snapshot_fingerprint(const core::Snapshot& snapshot,
                                         const std::set<std::string>& managed) {
  SnapshotFingerprint fp;
  fp.collections["apps"] = collection_hash(snapshot.apps);
  fp.collections["users"] = collection_hash(snapshot.users);
  fp.collections["invitations"] = collection_hash(snapshot.invitations);
  fp.collections["groups"] = collection_hash(snapshot.groups);
  fp.collections["testers"] = collection_hash(snapshot.testers);
  fp.collections["certificates"] = collection_hash(snapshot.certificates);
  fp.collections["profiles"] = collection_hash(snapshot.profiles);
  Canonical memberships;
  for (const auto* t : sorted_by_id(snapshot.testers)) {
    memberships.add(t->id).add(t->group_ids);
    memberships.end_object();
  }
  fp.collections["memberships"] = memberships.hash();
  Canonical keys;
  for (const auto& k : managed) keys.add(k);  // a std::set: sorted
  fp.collections["managed"] = keys.hash();
  return fp;
}

std::vector<std::string> changed_collections(const SnapshotFingerprint& before,
                                             const SnapshotFingerprint& after) {
  std::vector<std::string> out;
  for (const auto& [name, hash] : before.collections) {
    auto it = after.collections.find(name);
    if (it == after.collections.end() || it->second != hash) out.push_back(name);
  }
  for (const auto& [name, hash] : after.collections)
    if (!before.collections.count(name)) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace store
