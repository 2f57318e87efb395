namespace SensorOdl.Drivers.Sensors.Mcp3008;

/// <summary>
/// The MCP3008 has no registers: each conversion is one 3-byte SPI exchange (datasheet DS21295, figure 6-1).
/// Request <c>0000000S MCCCxxxx xxxxxxxx</c>, response <c>xxxxxxxx xxxxxNRR RRRRRRRR</c> (S start, M single-ended,
/// C channel, N null bit = 0, R result). These are the bit fields of that exchange.
/// </summary>
internal enum Register : byte
{
    StartBit = 0x01,        // request byte 0
    SingleEnded = 0x80,     // request byte 1, bit 7
    ChannelShift = 4,       // request byte 1, bits 6:4
    NullBit = 0x04,         // response byte 1, bit 2
    ResultHighMask = 0x03,  // response byte 1, bits 1:0 = B9 B8
}
