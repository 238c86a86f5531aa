#include "qmltransferclient.h"

#include <QtCore/QFuture>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkRequest>
#include <QtQml/QJSEngine>
#include <QtQml/QQmlEngine>

#include <chrono>

namespace Background {

QmlTransferClient::QmlTransferClient(QObject *parent)
    : QObject(parent)
{}

QmlTransferClient::~QmlTransferClient() = default;

QString QmlTransferClient::storePath() const
{
    return m_configuration.storePath();
}

void QmlTransferClient::setStorePath(const QString &path)
{
    const QString effective = path.isEmpty() ? SessionConfiguration::defaultStorePath() : path;
    if (effective == m_configuration.storePath())
        return;
    m_configuration.setStorePath(effective);
    Q_EMIT storePathChanged();
    if (m_complete)
        recreate();
}

int QmlTransferClient::maximumConcurrentTransfers() const
{
    return m_configuration.maximumConcurrentTransfers();
}
void QmlTransferClient::setMaximumConcurrentTransfers(int count)
{
    if (count == maximumConcurrentTransfers())
        return;
    m_configuration.setMaximumConcurrentTransfers(count);
    Q_EMIT configurationChanged();
}

int QmlTransferClient::maximumConcurrentTransfersPerHost() const
{
    return m_configuration.maximumConcurrentTransfersPerHost();
}
void QmlTransferClient::setMaximumConcurrentTransfersPerHost(int count)
{
    if (count == maximumConcurrentTransfersPerHost())
        return;
    m_configuration.setMaximumConcurrentTransfersPerHost(count);
    Q_EMIT configurationChanged();
}

int QmlTransferClient::retries() const
{
    return m_configuration.retryPolicy().maxRetries;
}
void QmlTransferClient::setRetries(int retries)
{
    if (retries == this->retries())
        return;
    RetryPolicy policy = m_configuration.retryPolicy();
    policy.maxRetries = retries;
    m_configuration.setRetryPolicy(policy);
    Q_EMIT configurationChanged();
}

int QmlTransferClient::stallTimeout() const
{
    return int(m_configuration.stallTimeout().count());
}
void QmlTransferClient::setStallTimeout(int milliseconds)
{
    if (milliseconds == stallTimeout())
        return;
    m_configuration.setStallTimeout(std::chrono::milliseconds(milliseconds));
    Q_EMIT configurationChanged();
}

qint64 QmlTransferClient::maximumRate() const
{
    return m_configuration.maximumRate();
}
void QmlTransferClient::setMaximumRate(qint64 bytesPerSecond)
{
    if (bytesPerSecond == maximumRate())
        return;
    m_configuration.setMaximumRate(bytesPerSecond);
    Q_EMIT configurationChanged();
}

bool QmlTransferClient::resumeOnStart() const
{
    return m_configuration.resumeOnStart();
}
void QmlTransferClient::setResumeOnStart(bool resume)
{
    if (resume == resumeOnStart())
        return;
    m_configuration.setResumeOnStart(resume);
    Q_EMIT configurationChanged();
}

bool QmlTransferClient::allowMetered() const
{
    return m_configuration.allowMetered();
}
void QmlTransferClient::setAllowMetered(bool allow)
{
    if (allow == allowMetered())
        return;
    m_configuration.setAllowMetered(allow);
    Q_EMIT configurationChanged();
}

qint64 QmlTransferClient::diskSpaceReserve() const
{
    return m_configuration.diskSpaceReserve();
}
void QmlTransferClient::setDiskSpaceReserve(qint64 bytes)
{
    if (bytes == diskSpaceReserve())
        return;
    m_configuration.setDiskSpaceReserve(bytes);
    Q_EMIT configurationChanged();
}

bool QmlTransferClient::isReady() const
{
    return m_client && withClient([](auto *c) {
                           return c->storeError();
                       }) == NetworkResponse::Error::NoError;
}

QString QmlTransferClient::storeErrorString() const
{
    return m_client ? withClient([](auto *c) { return c->storeErrorString(); }) : QString();
}

QStringList QmlTransferClient::pendingIdentifiers() const
{
    return m_client ? withClient([](auto *c) { return c->pendingIdentifiers(); }) : QStringList();
}

void QmlTransferClient::classBegin() {}

void QmlTransferClient::componentComplete()
{
    m_complete = true;
    ensureClient();
}

bool QmlTransferClient::ensureClient()
{
    if (!m_client)
        recreate();
    return m_client != nullptr;
}

void QmlTransferClient::recreate()
{
    delete m_client;
    m_client = nullptr;
    // Futures of the old client end Canceled when its engine goes; nobody listens any more.
    m_waiting.clear();
    m_covered.clear();
    m_client = createClient(m_configuration);
    Q_EMIT readyChanged();
    Q_EMIT pendingIdentifiersChanged();
}

QmlTransferInfo QmlTransferClient::transfer(const QString &identifier)
{
    if (!ensureClient())
        return {};
    const std::optional<TransferInfo> info
            = withClient([&](auto *c) { return c->transfer(identifier); });
    return info ? QmlTransferInfo(*info) : QmlTransferInfo();
}

QVariantList QmlTransferClient::transfers()
{
    QVariantList out;
    if (!ensureClient())
        return out;
    const QList<TransferInfo> all = withClient([](auto *c) { return c->transfers(); });
    for (const TransferInfo &info : all)
        out.append(QVariant::fromValue(QmlTransferInfo(info)));
    return out;
}

bool QmlTransferClient::pause(const QString &identifier)
{
    return ensureClient() && withClient([&](auto *c) { return c->pause(identifier); });
}

bool QmlTransferClient::resume(const QString &identifier)
{
    if (!ensureClient())
        return false;
    if (!withClient([&](auto *c) { return c->transfer(identifier).has_value(); }))
        return false;
    track(identifier, withClient([&](auto *c) { return c->resume(identifier); }), QJSValue());
    return true;
}

int QmlTransferClient::resumeAll()
{
    return ensureClient() ? withClient([](auto *c) { return c->resumeAll(); }) : 0;
}

bool QmlTransferClient::cancel(const QString &identifier)
{
    return ensureClient() && withClient([&](auto *c) { return c->cancel(identifier); });
}

bool QmlTransferClient::forget(const QString &identifier)
{
    return ensureClient() && withClient([&](auto *c) { return c->forget(identifier); });
}

void QmlTransferClient::track(const QString &identifier,
                              const QFuture<NetworkResponse> &future,
                              const QJSValue &callback)
{
    ++m_waiting[identifier];
    // The engine resolves a future (which may run this continuation at once) and then emits
    // finished(); the report waits a turn so that a result the engine announced is counted in
    // m_covered by then.
    QFuture<NetworkResponse>(future).then(this, [this, identifier, callback](NetworkResponse r) {
        QMetaObject::invokeMethod(
                this,
                [this, identifier, callback, r] {
                    if (--m_waiting[identifier] <= 0)
                        m_waiting.remove(identifier);
                    bool covered = false;
                    auto it = m_covered.find(identifier);
                    if (it != m_covered.end()) {
                        covered = true;
                        if (--it.value() <= 0)
                            m_covered.erase(it);
                    }
                    report(identifier, r, !covered, callback);
                },
                Qt::QueuedConnection);
    });
}

void QmlTransferClient::failLater(const QString &identifier,
                                  const QString &message,
                                  const QJSValue &callback)
{
    const NetworkResponse r
            = NetworkResponse::failure(identifier, NetworkResponse::Error::InvalidRequest, message);
    // Like any other result, after the call returned, so handlers set up after it still hear.
    QTimer::singleShot(
            0, this, [this, identifier, r, callback] { report(identifier, r, true, callback); });
}

void QmlTransferClient::onClientFinished(const QString &identifier, const NetworkResponse &response)
{
    const int waiting = m_waiting.value(identifier);
    if (waiting > 0)
        m_covered[identifier] = waiting;
    Q_EMIT finished(identifier, QmlNetworkResponse(response));
}

void QmlTransferClient::report(const QString &identifier,
                               const NetworkResponse &response,
                               bool emitSignal,
                               QJSValue callback)
{
    const QmlNetworkResponse value(response);
    if (emitSignal)
        Q_EMIT finished(identifier, value);
    if (callback.isCallable()) {
        if (QJSEngine *engine = qjsEngine(this))
            callback.call({engine->toScriptValue(value)});
    }
}

bool QmlTransferClient::parsePriority(const QVariantMap &options,
                                      TransferInfo::Priority *priority,
                                      QString *why)
{
    const QVariant value = options.value(QStringLiteral("priority"));
    if (!value.isValid() || value.isNull())
        return true;
    if (value.typeId() == QMetaType::QString) {
        const std::optional<TransferInfo::Priority> named
                = TransferInfo::priorityFromName(value.toString());
        if (named) {
            *priority = *named;
            return true;
        }
    } else {
        bool ok = false;
        const int number = value.toInt(&ok);
        if (ok && number >= int(TransferInfo::Priority::Low)
            && number <= int(TransferInfo::Priority::High)) {
            *priority = TransferInfo::Priority(number);
            return true;
        }
    }
    *why = QStringLiteral("Unknown priority: %1").arg(value.toString());
    return false;
}

bool QmlTransferClient::applyHeaders(const QVariantMap &options,
                                     QNetworkRequest *request,
                                     QString *why)
{
    const QVariant value = options.value(QStringLiteral("headers"));
    if (!value.isValid() || value.isNull())
        return true;
    if (!value.canConvert<QVariantMap>()) {
        *why = QStringLiteral("headers must be an object of name: value pairs");
        return false;
    }
    const QVariantMap headers = value.toMap();
    for (auto it = headers.cbegin(); it != headers.cend(); ++it)
        request->setRawHeader(it.key().toUtf8(), it.value().toString().toUtf8());
    return true;
}

} // namespace Background
