namespace SensorOdl.Daemon.Host.Systemd;

/// <summary>
/// Who tells systemd READY=1 and STOPPING=1, so that each is sent exactly once: Hosting's SystemdLifetime when
/// AddSystemd installed it (it sends READY once every hosted service, so the whole pipeline, has started), else
/// the daemon's own <see cref="SystemdNotifier"/> (a parent Hosting did not recognise as systemd that still set
/// NOTIFY_SOCKET). WATCHDOG=1 and STATUS= are always the daemon's own: Hosting has no watchdog
/// (docs/PLATFORM-NOTES.md §2). Decided from the lifetime the host really uses, not by detecting systemd a
/// second time.
/// </summary>
public sealed record SystemdLifecycle(bool HostNotifies)
{
    public static SystemdLifecycle Of(IServiceProvider services) =>
        new(services.GetService(typeof(Microsoft.Extensions.Hosting.IHostLifetime)) is Microsoft.Extensions.Hosting.Systemd.SystemdLifetime);
}
