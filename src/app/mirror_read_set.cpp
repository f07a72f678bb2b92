#include "app/mirror_read_set.hpp"

#include "reconcile/refresh.hpp"

namespace app {

asc::ReadSet mirror_read_set(const core::DesiredState* desired) {
  asc::ReadSet read = desired ? reconcile::read_set_for(*desired) : asc::ReadSet::all();
  for (auto* need :
       {&read.users, &read.invitations, &read.groups, &read.testers, &read.certificates, &read.profiles})
    if (*need == asc::ReadNeed::skip || !desired) *need = asc::ReadNeed::if_allowed;
  return read;
}

}  // namespace app
