namespace SensorOdl.Daemon.Fleet;

/// <summary>Whether output goes to a terminal (live lines, colour) or to a pipe or file (plain lines, no escape codes).</summary>
public static class Terminal
{
    public const string Red = "31", Green = "32", Yellow = "33", Cyan = "36", Dim = "2";

    /// <summary>The process's own stdout, not redirected, on a terminal that understands escape codes.</summary>
    public static bool IsInteractive(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not ("dumb" or null or "");

    /// <summary>Colour as well, unless NO_COLOR is set (no-color.org).</summary>
    public static bool UsesColour(TextWriter output) =>
        IsInteractive(output) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public static string Colour(string code, string text, bool enabled) => enabled ? $"\u001b[{code}m{text}\u001b[0m" : text;

    public static int Width
    {
        get
        {
            try { return Console.WindowWidth > 10 ? Console.WindowWidth : 100; }
            catch (IOException) { return 100; }
        }
    }
}
