#pragma once

// What the QML Downloader and Uploader share: the session's settings as properties, the client
// created once the component is complete, the control slots, and the signals QML sees.

#include "downloader.h"
#include "qmlvaluetypes.h"
#include "sessionconfiguration.h"
#include "uploader.h"

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QStringList>
#include <QtCore/QVariant>
#include <QtQml/QJSValue>
#include <QtQml/QQmlParserStatus>
#include <QtQml/qqml.h>

#include <QtCore/QFuture>

namespace Background {

class QmlTransferClient : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    QML_ANONYMOUS
    // Empty: SessionConfiguration::defaultStorePath(). Changing it once the component is
    // complete replaces the client with one on the new store.
    Q_PROPERTY(QString storePath READ storePath WRITE setStorePath NOTIFY storePathChanged)
    // The settings below are read when the client is created (component completion or a new
    // storePath). Each new client applies its concurrency and allowMetered to the whole store (in
    // this thread): the latest one wins.
    Q_PROPERTY(int maximumConcurrentTransfers READ maximumConcurrentTransfers WRITE
                       setMaximumConcurrentTransfers NOTIFY configurationChanged)
    Q_PROPERTY(int maximumConcurrentTransfersPerHost READ maximumConcurrentTransfersPerHost WRITE
                       setMaximumConcurrentTransfersPerHost NOTIFY configurationChanged)
    Q_PROPERTY(int retries READ retries WRITE setRetries NOTIFY configurationChanged)
    Q_PROPERTY(int stallTimeout READ stallTimeout WRITE setStallTimeout NOTIFY configurationChanged)
    Q_PROPERTY(qint64 maximumRate READ maximumRate WRITE setMaximumRate NOTIFY configurationChanged)
    Q_PROPERTY(bool resumeOnStart READ resumeOnStart WRITE setResumeOnStart NOTIFY
                       configurationChanged)
    Q_PROPERTY(
            bool allowMetered READ allowMetered WRITE setAllowMetered NOTIFY configurationChanged)
    Q_PROPERTY(qint64 diskSpaceReserve READ diskSpaceReserve WRITE setDiskSpaceReserve NOTIFY
                       configurationChanged)
    // True once the client exists and its store opened; storeErrorString says why not.
    Q_PROPERTY(bool ready READ isReady NOTIFY readyChanged)
    Q_PROPERTY(QString storeErrorString READ storeErrorString NOTIFY readyChanged)
    Q_PROPERTY(
            QStringList pendingIdentifiers READ pendingIdentifiers NOTIFY pendingIdentifiersChanged)

public:
    explicit QmlTransferClient(QObject *parent = nullptr);
    ~QmlTransferClient() override;

    QString storePath() const;
    void setStorePath(const QString &path);
    int maximumConcurrentTransfers() const;
    void setMaximumConcurrentTransfers(int count);
    int maximumConcurrentTransfersPerHost() const;
    void setMaximumConcurrentTransfersPerHost(int count);
    int retries() const;
    void setRetries(int retries);
    int stallTimeout() const; // ms
    void setStallTimeout(int milliseconds);
    qint64 maximumRate() const;
    void setMaximumRate(qint64 bytesPerSecond);
    bool resumeOnStart() const;
    void setResumeOnStart(bool resume);
    bool allowMetered() const;
    void setAllowMetered(bool allow);
    qint64 diskSpaceReserve() const;
    void setDiskSpaceReserve(qint64 bytes);

    bool isReady() const;
    QString storeErrorString() const;
    QStringList pendingIdentifiers() const;

    void classBegin() override;
    void componentComplete() override;

    // A transfer of this kind: a transferInfo whose `valid` is false if there is none.
    Q_INVOKABLE Background::QmlTransferInfo transfer(const QString &identifier);
    // Every transfer of this kind in the store, oldest first, as transferInfo values.
    Q_INVOKABLE QVariantList transfers();

public Q_SLOTS:
    bool pause(const QString &identifier);
    // Continue a paused or unfinished transfer; its end comes with finished().
    bool resume(const QString &identifier);
    int resumeAll();
    bool cancel(const QString &identifier);
    bool forget(const QString &identifier);

Q_SIGNALS:
    void storePathChanged();
    void configurationChanged();
    void readyChanged();
    void pendingIdentifiersChanged();
    // Every transfer of this kind in the store, also those this object did not start.
    void progress(const QString &identifier, qint64 bytesDone, qint64 bytesTotal);
    // state: a TransferInfo.State value (TransferInfo.Running, TransferInfo.Paused, ...).
    void stateChanged(const QString &identifier, int state);
    void finished(const QString &identifier, const Background::QmlNetworkResponse &response);

protected:
    // The wrapped Downloader or Uploader, created by the subclass and owned by this object.
    virtual QObject *createClient(const SessionConfiguration &configuration) = 0;

    QObject *client() const { return m_client; }
    // Calls f with the client as a Downloader or an Uploader (both have the same control API).
    template<typename F>
    auto withClient(F f) const
    {
        if (auto *downloader = qobject_cast<Downloader *>(m_client))
            return f(downloader);
        return f(qobject_cast<Uploader *>(m_client));
    }
    // Creates the client if QML calls a method before the component is complete.
    bool ensureClient();
    // Reports the future's result with finished() unless the engine already did (results that
    // never reach the engine: invalid requests, kept results), and to `callback` if callable.
    void track(const QString &identifier,
               const QFuture<NetworkResponse> &future,
               const QJSValue &callback);
    // An invalid argument found before the library is asked: a Failed/InvalidRequest result.
    void failLater(const QString &identifier, const QString &message, const QJSValue &callback);

    // Options shared by download() and upload(); false with `why` set when one is invalid.
    static bool
    parsePriority(const QVariantMap &options, TransferInfo::Priority *priority, QString *why);
    static bool applyHeaders(const QVariantMap &options, QNetworkRequest *request, QString *why);
    // Forwards the client's signals (also those of transfers other objects started).
    template<typename Client>
    void connectClient(Client *client)
    {
        connect(client, &Client::progress, this, &QmlTransferClient::progress);
        connect(client,
                &Client::stateChanged,
                this,
                [this](const QString &id, TransferInfo::State s) {
                    Q_EMIT stateChanged(id, int(s));
                });
        connect(client, &Client::finished, this, &QmlTransferClient::onClientFinished);
        connect(client,
                &Client::pendingIdentifiersChanged,
                this,
                &QmlTransferClient::pendingIdentifiersChanged);
    }

    // Called from the client's finished() signal.
    void onClientFinished(const QString &identifier, const NetworkResponse &response);

private:
    void recreate();
    void report(const QString &identifier,
                const NetworkResponse &response,
                bool emitSignal,
                QJSValue callback);

    SessionConfiguration m_configuration;
    QObject *m_client = nullptr;
    bool m_complete = false;
    // Futures this object waits for, and how many of them the engine's signal already covered.
    QHash<QString, int> m_waiting;
    QHash<QString, int> m_covered;
};

} // namespace Background
