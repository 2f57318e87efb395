using System.Buffers.Binary;

namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>
/// MPU-6050 per its register map: WHO_AM_I 0x68, PWR_MGMT_1 resets to 0x40 (asleep: data registers stay 0),
/// ACCEL_XOUT_H.. big-endian int16 at 16,384 / 8,192 / 4,096 / 2,048 LSB per g for AFS_SEL 0–3.
/// </summary>
internal sealed class FakeMpu6050 : RegisterFile
{
    public FakeMpu6050()
    {
        Registers[0x75] = 0x68;
        Registers[0x6B] = 0x40;
    }

    public (double X, double Y, double Z) AccelerationG { get; set; } = (0, 0, 1);
    public bool Asleep => (Registers[0x6B] & 0x40) != 0;

    public override void ReadRegisters(byte start, Span<byte> destination)
    {
        if (start == 0x3B && !Asleep)
        {
            double lsbPerG = 16384 >> ((Registers[0x1C] >> 3) & 0x03);
            short Count(double g) => (short)Math.Clamp(Math.Round(g * lsbPerG), short.MinValue, short.MaxValue);
            Registers[0x3A] |= 0x01;
            BinaryPrimitives.WriteInt16BigEndian(Registers.AsSpan(0x3B), Count(AccelerationG.X));
            BinaryPrimitives.WriteInt16BigEndian(Registers.AsSpan(0x3D), Count(AccelerationG.Y));
            BinaryPrimitives.WriteInt16BigEndian(Registers.AsSpan(0x3F), Count(AccelerationG.Z));
        }
        base.ReadRegisters(start, destination);
    }

    public override void WriteRegister(byte register, byte value)
    {
        if (register == 0x75) return;
        base.WriteRegister(register, value);
    }
}
