using Iteration.Streaming.Sample.Console;

namespace Iteration.Streaming.Client.Tests.SampleConsole;

/// <summary>The console sample's "Next:" hint: a command to paste, against the server the run was on.</summary>
public sealed class NextCommandTests
{
    private static readonly Uri Server = new("http://127.0.0.1:5077/");

    [Fact]
    public void Describe_Completed_IteratesOnTheSameServerWithTheToken()
    {
        var line = NextCommand.Describe(Server, "gen-1", completed: true, controlToken: "abc.def", outputRedirected: false);

        line.Should().Be("Next: ITERATION_CONTROL_TOKEN=abc.def dotnet run --project samples/Iteration.Streaming.Sample.Console -- "
            + "--server http://127.0.0.1:5077 --iterate gen-1 --prompt \"<what to change>\"");
    }

    [Fact]
    public void Describe_NotCompleted_RetriesOnTheSameServer()
    {
        var line = NextCommand.Describe(Server, "gen-1", completed: false, controlToken: "abc.def", outputRedirected: false);

        line.Should().EndWith("-- --server http://127.0.0.1:5077 --retry gen-1");
    }

    [Fact]
    public void Describe_OutputRedirected_KeepsTheTokenOffButTheServerOn()
    {
        var line = NextCommand.Describe(Server, "gen-1", completed: true, controlToken: "abc.def", outputRedirected: true);

        line.Should().NotContain("abc.def").And.Contain("ITERATION_CONTROL_TOKEN=<this generation's control token>")
            .And.Contain("--server http://127.0.0.1:5077 --iterate gen-1");
    }

    [Fact]
    public void Describe_TheCommand_ParsesBackWithTheSameServerAndGeneration()
    {
        var line = NextCommand.Describe(Server, "gen-1", completed: false, controlToken: "abc.def", outputRedirected: false);
        var args = line[(line.IndexOf("-- ", StringComparison.Ordinal) + 3)..].Split(' ');

        var parsed = ConsoleArguments.Parse(args, environmentControlToken: "abc.def");

        parsed.Server.Should().Be(Server);
        parsed.RetryId.Should().Be("gen-1");
    }
}
