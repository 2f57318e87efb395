using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SensorOdl.Daemon.Tests.HomeAssistant;

/// <summary>
/// Renders templates with Python's jinja2 — Home Assistant's own engine — in a sandboxed environment like Home
/// Assistant's, with StrictUndefined so that a template touching a missing field fails here instead of quietly
/// rendering empty there. The interpreter: $SENSORODL_PYTHON, else python3 on PATH, else /usr/bin/python3 (CI
/// installs python3-jinja2, .ci/run).
/// </summary>
public static class JinjaRenderer
{
    static readonly Lazy<string?> Interpreter = new(Find);

    public static string? Python => Interpreter.Value;

    static string? Find()
    {
        foreach (string? candidate in new[] { Environment.GetEnvironmentVariable("SENSORODL_PYTHON"), "python3", "/usr/bin/python3" })
        {
            if (string.IsNullOrEmpty(candidate)) continue;
            try
            {
                using Process p = Process.Start(new ProcessStartInfo(candidate, ["-c", "import jinja2"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
                if (p.WaitForExit(30_000) && p.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { } // not installed
        }
        return null;
    }

    const string Script = """
        import json, sys
        from jinja2 import StrictUndefined
        from jinja2.sandbox import ImmutableSandboxedEnvironment
        env = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
        out = []
        for job in json.load(sys.stdin):
            try:
                out.append({"ok": True, "result": env.from_string(job["template"]).render(**job["variables"])})
            except Exception as e:
                out.append({"ok": False, "error": type(e).__name__ + ": " + str(e)})
        json.dump(out, sys.stdout)
        """;

    /// <summary>Renders every (template, variables) pair in one python process; a failed render comes back as an exception message.</summary>
    public static IReadOnlyList<(bool Ok, string Text)> Render(IReadOnlyList<(string Template, JsonObject Variables)> jobs)
    {
        string python = Python ?? throw new InvalidOperationException("no python with jinja2");
        var input = new JsonArray([.. jobs.Select(j => (JsonNode)new JsonObject { ["template"] = j.Template, ["variables"] = j.Variables.DeepClone() })]);
        using Process p = Process.Start(new ProcessStartInfo(python, ["-c", Script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8, StandardInputEncoding = new System.Text.UTF8Encoding(false),
        })!;
        p.StandardInput.Write(input.ToJsonString());
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(); throw new TimeoutException("jinja2 did not answer within 60 s"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"jinja2 runner failed: {stderr.Result}");
        return [.. JsonNode.Parse(stdout.Result)!.AsArray().Select(r => r!["ok"]!.GetValue<bool>()
            ? (true, r["result"]!.GetValue<string>()) : (false, r["error"]!.GetValue<string>()))];
    }

    /// <summary>The variables Home Assistant gives a value template for a payload: `value`, and `value_json` when it is JSON.</summary>
    public static JsonObject ForPayload(string payload)
    {
        var variables = new JsonObject { ["value"] = payload };
        try { variables["value_json"] = JsonNode.Parse(payload); }
        catch (System.Text.Json.JsonException) { }
        return variables;
    }
}

/// <summary>A fact that needs jinja2; skipped, saying so, on a machine without it (CI installs it).</summary>
public sealed class JinjaFactAttribute : FactAttribute
{
    public JinjaFactAttribute()
    {
        if (JinjaRenderer.Python is null)
            Skip = "no python3 with jinja2 (apt-get install python3-jinja2, or set SENSORODL_PYTHON): the Home Assistant templates cannot be rendered";
    }
}
