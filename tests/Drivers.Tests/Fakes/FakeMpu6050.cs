using System.Buffers.Binary;

namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>
/// MPU-6050 per its register map: WHO_AM_I 0x68, PWR_MGMT_1 resets to 0x40 (asleep: data registers stay 0),
/// ACCEL_XOUT_H.. big-endian int16 at 16,384 / 8,192 / 4,096 / 2,048 LSB per g for AFS_SEL 0–3; with USER_CTRL.FIFO_EN
/// and FIFO_EN.ACCEL each sample appends its 6 bytes to a 1,024-byte FIFO (oldest bytes overwritten when full, setting
/// INT_STATUS.FIFO_OFLOW), FIFO_COUNT reports its bytes and FIFO_R_W pops them; USER_CTRL.FIFO_RESET empties it.
/// </summary>
internal sealed class FakeMpu6050 : RegisterFile
{
    private readonly Queue<byte> _fifo = new();

    /// <summary>Samples measured (time passing) each time FIFO_COUNT is read.</summary>
    public int SamplesPerPoll { get; set; } = 16;
    public int FifoBytes => _fifo.Count;
    /// <summary>FIFO_COUNT reads so far.</summary>
    public int Polls { get; private set; }
    /// <summary>At this poll the reader is late: the FIFO fills up and overflows before it is read.</summary>
    public int OverflowAtPoll { get; set; } = -1;

    public FakeMpu6050()
    {
        Registers[0x75] = 0x68;
        Registers[0x6B] = 0x40;
    }

    public (double X, double Y, double Z) AccelerationG { get; set; } = (0, 0, 1);
    public bool Asleep => (Registers[0x6B] & 0x40) != 0;

    public override void ReadRegisters(byte start, Span<byte> destination)
    {
        if (start == 0x3B && !Asleep) Sample();
        if (start == 0x72)
        {
            Polls++;
            int samples = Polls == OverflowAtPoll ? 200 : SamplesPerPoll;
            for (int i = 0; i < samples; i++) Sample();
            BinaryPrimitives.WriteUInt16BigEndian(Registers.AsSpan(0x72), (ushort)_fifo.Count);
        }
        if (start == 0x74)
        {
            for (int i = 0; i < destination.Length; i++) destination[i] = _fifo.Count > 0 ? _fifo.Dequeue() : (byte)0;
            return;
        }
        base.ReadRegisters(start, destination);
    }

    private void Sample()
    {
        if (Asleep) return;
        double lsbPerG = 16384 >> ((Registers[0x1C] >> 3) & 0x03);
        short Count(double g) => (short)Math.Clamp(Math.Round(g * lsbPerG), short.MinValue, short.MaxValue);
        Registers[0x3A] |= 0x01;
        BinaryPrimitives.WriteInt16BigEndian(Registers.AsSpan(0x3B), Count(AccelerationG.X));
        BinaryPrimitives.WriteInt16BigEndian(Registers.AsSpan(0x3D), Count(AccelerationG.Y));
        BinaryPrimitives.WriteInt16BigEndian(Registers.AsSpan(0x3F), Count(AccelerationG.Z));
        if ((Registers[0x6A] & 0x40) == 0 || (Registers[0x23] & 0x08) == 0) return;
        for (int i = 0; i < 6; i++)
        {
            if (_fifo.Count == 1024)
            {
                _fifo.Dequeue();
                Registers[0x3A] |= 0x10;
            }
            _fifo.Enqueue(Registers[0x3B + i]);
        }
    }

    public override void WriteRegister(byte register, byte value)
    {
        if (register == 0x75) return;
        if (register == 0x6A && (value & 0x04) != 0)
        {
            _fifo.Clear();
            value &= 0xFB; // FIFO_RESET clears itself
        }
        base.WriteRegister(register, value);
    }
}
