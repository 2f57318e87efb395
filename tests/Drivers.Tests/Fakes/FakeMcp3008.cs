using System.Device.Spi;

namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>
/// MCP3008 per its datasheet (figure 6-1): request <c>0000000S MCCCxxxx xxxxxxxx</c>; response byte 1 carries the null bit
/// (bit 2, always 0) and B9..B8, byte 2 B7..B0; DOUT is undriven before that (here: ones). Result = round(V/Vref · 1024),
/// saturating at 1023. "Absent" here means MISO pulled up (all ones), or pulled down with <see cref="MisoPulledLow"/>.
/// </summary>
internal sealed class FakeMcp3008(double referenceVolts = 3.3) : SpiDevice
{
    public FaultInjector Faults { get; } = new();
    public double[] InputVolts { get; } = new double[8];
    public bool MisoPulledLow { get; set; }
    public List<int> ChannelsRead { get; } = [];
    public override SpiConnectionSettings ConnectionSettings { get; } = new(0, 1) { Mode = SpiMode.Mode0 };

    public override byte ReadByte() => 0xFF;

    public override void Read(Span<byte> buffer) => buffer.Fill(0xFF);

    public override void WriteByte(byte value)
    {
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (Faults.Fault == BusFault.Absent)
        {
            readBuffer.Fill(MisoPulledLow ? (byte)0x00 : (byte)0xFF);
            return;
        }
        Faults.Enter();
        if (Faults.Garble(readBuffer)) return;
        readBuffer.Fill(0xFF);
        if (writeBuffer.Length != 3 || (writeBuffer[0] & 0x01) == 0) return; // no start bit: the chip stays silent
        int channel = (writeBuffer[1] >> 4) & 0x07;
        bool single = (writeBuffer[1] & 0x80) != 0;
        ChannelsRead.Add(channel);
        double volts = single ? InputVolts[channel] : InputVolts[channel & 0x06] - InputVolts[(channel & 0x06) + 1];
        int value = (int)Math.Clamp(Math.Round(volts / referenceVolts * 1024), 0, 1023);
        readBuffer[1] = (byte)(0xF8 | (value >> 8)); // undriven bits high, null bit (0x04) low
        readBuffer[2] = (byte)value;
    }
}
