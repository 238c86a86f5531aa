#pragma once

#include "background_export.h"
#include "sessionconfiguration.h"
#include "transferinfo.h"

#include <QtCore/QAbstractListModel>

#include <memory>

namespace Background {

class TransferModelPrivate;

// Every transfer of a store, downloads and uploads, oldest first, kept live: rows appear when
// a transfer is asked for, change with its state and progress (at most ten times a second),
// and go when it is forgotten or canceled. Usable from widgets (QListView) and from QML.
//
// The model is a client of the store's engine like Downloader and Uploader; it never starts,
// restores or resumes a transfer itself.
class BACKGROUND_EXPORT TransferModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    // Empty: the default store (SessionConfiguration::defaultStorePath()).
    Q_PROPERTY(QString storePath READ storePath WRITE setStorePath NOTIFY storePathChanged)

public:
    enum Role {
        IdentifierRole = Qt::UserRole + 1,
        KindRole,          // "download" or "upload"
        UrlRole,           // QUrl
        LocalPathRole,     // destination of a download, source of an upload
        StateRole,         // TransferInfo::State as int
        StateNameRole,     // TransferInfo::stateName()
        BytesDoneRole,     // qint64
        BytesTotalRole,    // qint64, -1 when unknown
        ProgressRole,      // 0..1, -1 when the total is unknown
        SpeedRole,         // bytes per second, 0 when unknown
        EtaRole,           // seconds, -1 when unknown
        OutcomeRole,       // NetworkResponse::Outcome as int, -1 while unfinished
        HttpStatusRole,    // 0 while unfinished or without an answer
        ErrorStringRole,   // the result's error, or the last error of an unfinished transfer
        AttemptsRole,      // int
        NextAttemptAtRole, // QDateTime, invalid unless waiting to retry
        PriorityRole,      // TransferInfo::Priority as int
    };
    Q_ENUM(Role)

    explicit TransferModel(QObject *parent = nullptr);
    explicit TransferModel(const SessionConfiguration &configuration, QObject *parent = nullptr);
    ~TransferModel() override;

    QString storePath() const;
    void setStorePath(const QString &path);

    int count() const;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // The row of `identifier`, or -1.
    Q_INVOKABLE int indexOf(const QString &identifier) const;
    Q_INVOKABLE Background::TransferInfo transfer(int row) const;

public Q_SLOTS:
    // Reads the store again (another process may have changed it).
    void reload();

Q_SIGNALS:
    void countChanged();
    void storePathChanged();

private:
    friend class TransferModelPrivate; // it begins and ends the row changes
    std::unique_ptr<TransferModelPrivate> d;
};

} // namespace Background
