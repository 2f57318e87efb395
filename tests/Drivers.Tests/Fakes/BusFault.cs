namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>What a fake bus device does wrong.</summary>
internal enum BusFault
{
    None,
    /// <summary>Nothing answers: every transfer throws like Linux does for a missing I2C address (ENXIO).</summary>
    Absent,
    /// <summary>Something answers, but with random bytes.</summary>
    Garbage,
    /// <summary>Works for <see cref="FaultInjector.TransfersBeforeFailure"/> transfers, then throws (cable pulled mid-read).</summary>
    ThrowAfter,
}

/// <summary>Shared fault behaviour of the fake I2C and SPI devices.</summary>
internal sealed class FaultInjector
{
    private readonly Random _random = new(1234);

    public BusFault Fault { get; set; }
    public int TransfersBeforeFailure { get; set; }
    public int Transfers { get; private set; }

    /// <summary>Call at the start of each transfer; throws for Absent and for ThrowAfter once the budget is spent.</summary>
    public void Enter()
    {
        Transfers++;
        if (Fault == BusFault.Absent) throw new IOException("Error 6 performing I2C data transfer: No such device or address.");
        if (Fault == BusFault.ThrowAfter && Transfers > TransfersBeforeFailure) throw new IOException("Remote I/O error.");
    }

    /// <summary>True when the reply must be replaced by garbage (which this fills in).</summary>
    public bool Garble(Span<byte> reply)
    {
        if (Fault != BusFault.Garbage) return false;
        _random.NextBytes(reply);
        return true;
    }

    public void Heal()
    {
        Fault = BusFault.None;
        Transfers = 0;
    }
}
