using System.Globalization;
using System.Text;

namespace SensorOdl.Daemon.Bench;

/// <summary>An SVG scatter plot of accuracy against fine-tuning seconds (log scale), one labelled point per method.</summary>
public static class AccuracyTimePlot
{
    const int Width = 720, Height = 440, Left = 70, Right = 30, Top = 40, Bottom = 60;

    public static string Svg(FinetuneReport report)
    {
        var timed = report.Methods.Where(m => m.Seconds > 0).ToList();
        double minSeconds = timed.Count > 0 ? timed.Min(m => m.Seconds) : 0.1, maxSeconds = timed.Count > 0 ? timed.Max(m => m.Seconds) : 1;
        double logMin = Math.Floor(Math.Log10(minSeconds)), logMax = Math.Max(logMin + 1, Math.Ceiling(Math.Log10(maxSeconds)));
        double X(double seconds) => Left + (Math.Log10(seconds) - logMin) / (logMax - logMin) * (Width - Left - Right);
        double Y(double accuracy) => Top + (1 - accuracy) * (Height - Top - Bottom);
        var svg = new StringBuilder();
        void Line(FormattableString s) => svg.AppendLine(s.ToString(CultureInfo.InvariantCulture));
        Line($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        Line($"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        Line($"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">Fine-tuning {report.Samples} rotated Fashion-MNIST images, {report.Epochs} epochs, one thread</text>");
        for (double e = logMin; e <= logMax; e++)
        {
            double x = X(Math.Pow(10, e));
            Line($"<line x1=\"{x:F1}\" y1=\"{Top}\" x2=\"{x:F1}\" y2=\"{Height - Bottom}\" stroke=\"#ddd\"/>");
            Line($"<text x=\"{x:F1}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{Math.Pow(10, e):G3} s</text>");
        }
        for (int a = 0; a <= 100; a += 20)
        {
            double y = Y(a / 100.0);
            Line($"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>");
            Line($"<text x=\"{Left - 8}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{a} %</text>");
        }
        Line($"<text x=\"{Width / 2}\" y=\"{Height - 18}\" text-anchor=\"middle\">fine-tuning wall time (log scale)</text>");
        Line($"<text x=\"18\" y=\"{Height / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {Height / 2})\">accuracy on rotated test images</text>");
        foreach (FinetuneMethodResult m in timed)
        {
            double x = X(m.Seconds), y = Y(m.Accuracy);
            string colour = m.Name.StartsWith("skip2", StringComparison.Ordinal) ? "#c0392b" : "#2c3e50";
            Line($"<circle cx=\"{x:F1}\" cy=\"{y:F1}\" r=\"5\" fill=\"{colour}\"/>");
            Line($"<text x=\"{x + 8:F1}\" y=\"{y - 6:F1}\">{m.Name} ({m.Accuracy * 100:F1} %, {m.Seconds:G3} s)</text>");
        }
        FinetuneMethodResult? baseline = report.Methods.FirstOrDefault(m => m.Name == "no-ft");
        if (baseline is not null)
        {
            double y = Y(baseline.Accuracy);
            Line($"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#888\" stroke-dasharray=\"4 4\"/>");
            Line($"<text x=\"{Width - Right - 4}\" y=\"{y - 4:F1}\" text-anchor=\"end\" fill=\"#555\">no-ft {baseline.Accuracy * 100:F1} %</text>");
        }
        Line($"</svg>");
        return svg.ToString();
    }
}
