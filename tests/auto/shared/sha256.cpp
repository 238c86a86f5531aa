#include "sha256.h"

#if defined(FAULTSERVER_HAVE_OPENSSL)
#include <openssl/evp.h>
#else
#include <QtCore/QCryptographicHash>
#endif

namespace FaultTest {
namespace Internal {

#if defined(FAULTSERVER_HAVE_OPENSSL)

struct Sha256::State
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ~State() { EVP_MD_CTX_free(ctx); }
};

void Sha256::reset()
{
    EVP_DigestInit_ex(d->ctx, EVP_sha256(), nullptr);
}

void Sha256::addData(const char *data, qint64 length)
{
    EVP_DigestUpdate(d->ctx, data, size_t(length));
}

QByteArray Sha256::hexResult()
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(d->ctx, digest, &size);
    return QByteArray(reinterpret_cast<const char *>(digest), int(size)).toHex();
}

#else

struct Sha256::State
{
    QCryptographicHash hash{QCryptographicHash::Sha256};
};

void Sha256::reset()
{
    d->hash.reset();
}

void Sha256::addData(const char *data, qint64 length)
{
    d->hash.addData(QByteArrayView(data, length));
}

QByteArray Sha256::hexResult()
{
    return d->hash.result().toHex();
}

#endif

Sha256::Sha256()
    : d(std::make_unique<State>())
{
    reset();
}

Sha256::~Sha256() = default;

} // namespace Internal
} // namespace FaultTest
