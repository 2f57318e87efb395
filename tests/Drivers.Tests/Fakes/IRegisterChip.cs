namespace SensorOdl.Drivers.Tests.Fakes;

/// <summary>A chip model with byte-wide, auto-incrementing registers, independent of the bus framing.</summary>
internal interface IRegisterChip
{
    void ReadRegisters(byte start, Span<byte> destination);

    void WriteRegister(byte register, byte value);
}

/// <summary>A plain register file; chip models override what their datasheet makes special.</summary>
internal class RegisterFile : IRegisterChip
{
    protected readonly byte[] Registers = new byte[256];

    public byte this[int register]
    {
        get => Registers[register];
        set => Registers[register] = value;
    }

    public List<(byte Register, byte Value)> Writes { get; } = [];

    public virtual void ReadRegisters(byte start, Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = ReadRegister((byte)(start + i));
    }

    public virtual void WriteRegister(byte register, byte value)
    {
        Writes.Add((register, value));
        Registers[register] = value;
    }

    protected virtual byte ReadRegister(byte register) => Registers[register];
}
