using System.Buffers.Binary;
using System.Numerics;

namespace SensorOdl.Daemon.Storage.Durability;

/// <summary>CRC-32C (hardware-accelerated where the CPU has it), for telling a whole frame from a torn one.</summary>
static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data, uint crc = 0xFFFF_FFFF)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }
}
