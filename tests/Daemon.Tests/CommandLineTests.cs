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

    [Fact]
    public async Task Every_verb_has_help()
    {
        (int code, string output, _) = await Run("bench", "finetune", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--methods", output);
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
