namespace SensorOdl.Daemon.Host.Systemd;

/// <summary>
/// Who tells systemd READY=1 and STOPPING=1, so that each is sent exactly once: Hosting's SystemdLifetime when
/// it recognised systemd (SYSTEMD_EXEC_PID, systemd ≥ 248; it sends READY once every hosted service, so the
/// whole pipeline, has started), else the daemon's own <see cref="SystemdNotifier"/> (older systemd, or a
/// parent that only sets NOTIFY_SOCKET). WATCHDOG=1 and STATUS= are always the daemon's own: Hosting has no
/// watchdog (docs/PLATFORM-NOTES.md §2).
/// </summary>
public sealed record SystemdLifecycle(bool HostNotifies)
{
    public static SystemdLifecycle Detect() => new(Microsoft.Extensions.Hosting.Systemd.SystemdHelpers.IsSystemdService());
}
