#pragma once

// Incremental SHA-256 for the fault server and the multipart parser. QCryptographicHash (Qt 6.4)
// manages about 120 MB/s, which would make a 1 GiB upload benchmark measure the server's
// hashing; OpenSSL's libcrypto (when found at build time) is an order of magnitude faster.

#include <QtCore/QByteArray>

#include <memory>

namespace FaultTest {
namespace Internal {

class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(const char *data, qint64 length);
    QByteArray hexResult(); // lowercase; ends this digest (reset() starts a new one)
    void reset();

private:
    struct State;
    std::unique_ptr<State> d;
};

} // namespace Internal
} // namespace FaultTest
