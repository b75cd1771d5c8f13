// OpenSSL 3's libcrypto, for SHA-256 and HMAC-SHA256 only: EVP digests and the one-shot HMAC().
#include <openssl/evp.h>
#include <openssl/hmac.h>
