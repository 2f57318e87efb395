namespace SensorOdl.Daemon.Bench;

/// <summary>Rotates square grey images about their centre with bilinear interpolation; outside is black.</summary>
public static class ImageRotation
{
    /// <summary>source: [side·side] bytes → destination: [side·side] floats in 0..1, rotated counter-clockwise by degrees.</summary>
    public static void Rotate(ReadOnlySpan<byte> source, Span<float> destination, int side, double degrees)
    {
        double radians = degrees * Math.PI / 180, cos = Math.Cos(radians), sin = Math.Sin(radians);
        double centre = (side - 1) / 2.0;
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
            {
                // Inverse mapping: where in the source does this destination pixel come from?
                double dx = x - centre, dy = y - centre;
                double sx = cos * dx - sin * dy + centre, sy = sin * dx + cos * dy + centre;
                destination[y * side + x] = (float)(Sample(source, side, sx, sy) / 255.0);
            }
    }

    static double Sample(ReadOnlySpan<byte> image, int side, double x, double y)
    {
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double fx = x - x0, fy = y - y0;
        return Pixel(image, side, x0, y0) * (1 - fx) * (1 - fy) + Pixel(image, side, x0 + 1, y0) * fx * (1 - fy)
             + Pixel(image, side, x0, y0 + 1) * (1 - fx) * fy + Pixel(image, side, x0 + 1, y0 + 1) * fx * fy;
    }

    static double Pixel(ReadOnlySpan<byte> image, int side, int x, int y) =>
        (uint)x < (uint)side && (uint)y < (uint)side ? image[y * side + x] : 0;
}
