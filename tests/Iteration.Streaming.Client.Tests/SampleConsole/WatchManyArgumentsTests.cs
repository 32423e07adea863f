using Iteration.Streaming.Sample.Console;

namespace Iteration.Streaming.Client.Tests.SampleConsole;

/// <summary>The console sample's <c>--watch-many</c> command line.</summary>
public sealed class WatchManyArgumentsTests
{
    [Fact]
    public void Parse_WatchMany_ReadsTheCountPromptAndEntities()
    {
        var arguments = ConsoleArguments.Parse(["--watch-many", "3", "--prompt", "A task tracker", "--entities", "User,Task"]);

        arguments.WatchMany.Should().Be(3);
        arguments.Prompt.Should().Be("A task tracker");
        arguments.Entities.Should().Equal("User", "Task");
    }

    [Fact]
    public void Parse_NoWatchMany_LeavesItUnset()
    {
        ConsoleArguments.Parse(["--prompt", "x"]).WatchMany.Should().BeNull();
    }

    [Theory]
    [InlineData("1")]
    [InlineData("21")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("three")]
    [InlineData("2.5")]
    [InlineData("99999999999")]
    public void Parse_WatchManyOutOfRangeOrNotANumber_ThrowsSayingTheRange(string value)
    {
        var act = () => ConsoleArguments.Parse(["--watch-many", value, "--prompt", "x"]);

        act.Should().Throw<ArgumentException>().WithMessage($"--watch-many takes a number of generations from 2 to 20, but was '{value}'.");
    }

    [Theory]
    [InlineData(new[] { "--watch-many", "3" }, "--prompt is required")]
    [InlineData(new[] { "--watch-many", "3", "--prompt", "x", "--review", "plan" }, "--watch-many takes no --iterate, --control-token or --review")]
    [InlineData(new[] { "--watch-many", "3", "--prompt", "x", "--iterate", "id", "--control-token", "t" }, "--watch-many takes no --iterate")]
    [InlineData(new[] { "--watch-many", "3", "--retry", "id", "--control-token", "t" }, "--retry takes no --prompt, --entities, --iterate or --watch-many")]
    [InlineData(new[] { "--watch-many", "3", "--watch-many", "4", "--prompt", "x" }, "--watch-many is given twice")]
    public void Parse_WatchManyWithAnOptionItDoesNotTake_ThrowsSayingWhy(string[] args, string reason)
    {
        var act = () => ConsoleArguments.Parse(args);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(reason);
    }

    [Fact]
    public void Usage_WatchMany_SaysWhatItDoes()
    {
        ConsoleArguments.Usage.Should().Contain("--watch-many 3 --prompt").And.Contain("over one");
    }

    [Fact]
    public void Line_AnEvent_TagsItWithTheGenerationsShortId()
    {
        var e = TestEvents.Progress("3f2a9c1e-0000-4000-8000-000000000000", 2);

        WatchManyCommand.Line(e).Should().StartWith("[3f2a9c1e] ").And.Contain(e.Stage).And.EndWith(e.Message);
    }
}
