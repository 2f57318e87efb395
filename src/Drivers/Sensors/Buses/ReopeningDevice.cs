namespace SensorOdl.Drivers.Sensors.Buses;

/// <summary>
/// The device behind <see cref="ReopeningI2cDevice"/> and <see cref="ReopeningSpiDevice"/>: opened on the first transfer
/// and, when a transfer throws, closed so that the next transfer opens it afresh.
/// </summary>
internal sealed class ReopeningDevice<TDevice>(Func<TDevice> open) where TDevice : class, IDisposable
{
    private TDevice? _device;

    // spans cannot be captured, so a transfer receives the caller's buffers as arguments
    public delegate void Transfer(TDevice device, ReadOnlySpan<byte> write, Span<byte> read);

    public void Run(Transfer transfer, ReadOnlySpan<byte> write, Span<byte> read)
    {
        var device = _device ??= open();
        try { transfer(device, write, read); }
        catch { Close(); throw; }
    }

    public void Close()
    {
        try { _device?.Dispose(); }
        catch (IOException) { }
        _device = null;
    }
}
