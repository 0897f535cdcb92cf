// OpenSSL's libcrypto, for SHA3-512 only: its Keccak is assembly-optimised (about 2.5 times
// the speed of the portable one in swift-crypto here), and every byte of a file is hashed.
#include <openssl/evp.h>
