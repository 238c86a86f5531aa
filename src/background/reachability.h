#pragma once

// Whether transfers may use the network now. The engine asks an interface, so tests can flip
// it; the default one asks QNetworkInformation and never blocks when no backend loads.

#include "background_private_export.h"

#include <QtCore/QObject>
#include <QtCore/QString>

namespace Background {

class BACKGROUND_AUTOTEST_EXPORT Reachability : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    virtual bool isOnline() const = 0;
    virtual bool isMetered() const = 0;

Q_SIGNALS:
    void changed();
};

// The system's view through QNetworkInformation (networkmanager or glib on Linux). The backend
// is the default one, or the one named by the environment variable BACKGROUND_NETWORK_BACKEND;
// "none" turns the check off. Without a backend, or while it does not know, it says online.
class BACKGROUND_AUTOTEST_EXPORT SystemReachability : public Reachability
{
    Q_OBJECT
public:
    // `backend` empty: the environment variable, else Qt's default backend.
    explicit SystemReachability(const QString &backend = {}, QObject *parent = nullptr);
    bool hasBackend() const { return m_hasBackend; }
    QString backendName() const;
    bool isOnline() const override;
    bool isMetered() const override;

private:
    bool m_hasBackend = false;
};

class BACKGROUND_AUTOTEST_EXPORT ManualReachability : public Reachability
{
    Q_OBJECT
public:
    using Reachability::Reachability;
    bool isOnline() const override { return m_online; }
    bool isMetered() const override { return m_metered; }
    void setOnline(bool online);
    void setMetered(bool metered);

private:
    bool m_online = true;
    bool m_metered = false;
};

} // namespace Background
