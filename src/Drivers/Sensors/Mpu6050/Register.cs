namespace SensorOdl.Drivers.Sensors.Mpu6050;

/// <summary>MPU-6050 register map (Register Map rev. 4.2), the registers this driver uses.</summary>
internal enum Register : byte
{
    SampleRateDivider = 0x19,  // SMPLRT_DIV: rate = gyro output rate / (1 + divider)
    Config = 0x1A,             // D2:0 DLPF_CFG; 1..6 = gyro output 1 kHz
    AccelConfig = 0x1C,        // D4:3 AFS_SEL (±2/4/8/16 g)
    FifoEnable = 0x23,         // D3 ACCEL_FIFO_EN
    IntStatus = 0x3A,          // D4 FIFO_OFLOW_INT, D0 DATA_RDY_INT
    AccelXoutH = 0x3B,         // X H L, Y H L, Z H L: big-endian int16
    UserControl = 0x6A,        // D6 FIFO_EN, D2 FIFO_RESET (self-clearing)
    PowerManagement1 = 0x6B,   // D6 SLEEP, D2:0 CLKSEL (1 = PLL with X gyro)
    FifoCountH = 0x72,         // FIFO_COUNT: bytes in the 1,024-byte FIFO, big-endian (0x72, 0x73)
    FifoReadWrite = 0x74,      // FIFO_R_W: each read pops the next FIFO byte (no auto-increment)
    WhoAmI = 0x75,             // reads 0x68
}
