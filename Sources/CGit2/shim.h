// libgit2 (Debian's libgit2-dev): the git object store of swarm conversations.
#include <git2.h>
