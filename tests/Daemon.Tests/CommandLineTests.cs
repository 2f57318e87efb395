using System.Text.RegularExpressions;
using SensorOdl.Daemon.Cli;

namespace SensorOdl.Daemon.Tests;

public class CommandLineTests
{
    static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public async Task Help_lists_the_verbs_and_exits_0()
    {
        (int code, string output, _) = await Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("bench finetune", output);
    }

    /// <summary>Every verb `sensorodl --help` lists (one to three words, e.g. `models show`, `fleet rollout status`) answers `--help` with exit 0 and its usage line.</summary>
    [Fact]
    public async Task Every_verb_has_help()
    {
        (int code, string listing, _) = await Run("--help");
        Assert.Equal(0, code);
        // The verb table: "  verb [sub]   description", two or more spaces between the verb and its description.
        string[] verbs = [.. listing.Split('\n')
            .Select(line => Regex.Match(line, @"^  (?<verb>[a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*){0,2})\s{2,}\S"))
            .Where(m => m.Success).Select(m => m.Groups["verb"].Value)];
        Assert.True(verbs.Length >= 5 && verbs.Contains("run") && verbs.Contains("bench finetune"),
            $"could not read the verb list from --help (found {string.Join(", ", verbs)}):\n{listing}");

        List<string> failures = [];
        foreach (string verb in verbs)
        {
            (int verbCode, string output, string error) = await Run([.. verb.Split(' '), "--help"]);
            string firstLine = output.TrimStart().Split('\n')[0].TrimEnd();
            if (verbCode != 0 || !firstLine.StartsWith($"usage: sensorodl {verb}", StringComparison.Ordinal) || error.Length > 0)
                failures.Add($"'{verb} --help': exit {verbCode}, first line '{firstLine}', stderr '{error.Trim()}'");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {verbs.Length} verbs lack a working --help:\n{string.Join("\n", failures)}");
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("bench", "finetune", "--methods", "lora-most")]
    [InlineData("bench", "finetune", "--samples", "many")]
    [InlineData("bench", "finetune", "--epochs", "0")]
    [InlineData("bench", "finetune", "--colour", "red")]
    [InlineData("bench", "finetune", "stray")]
    public async Task Usage_errors_exit_2_with_one_sentence_on_stderr(params string[] args)
    {
        (int code, string output, string error) = await Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("sensorodl: ", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Configuration_overrides_are_collected_apart_from_options()
    {
        ParsedArguments parsed = ParsedArguments.Parse(["--Mqtt:Uri=mqtt://h:1", "--Device:Id", "pump7", "--json", "--out", "r.json"]);
        Assert.Equal("mqtt://h:1", parsed.ConfigurationOverrides["Mqtt:Uri"]);
        Assert.Equal("pump7", parsed.ConfigurationOverrides["Device:Id"]);
        Assert.True(parsed.Has("json"));
        Assert.Equal("r.json", parsed.String("out"));
    }
}
