using Iteration.Streaming.Sample.Console;

namespace Iteration.Streaming.Client.Tests.SampleConsole;

/// <summary>The console sample's command line.</summary>
public sealed class ConsoleArgumentsTests
{
    [Fact]
    public void Parse_TheReadmeCommand_ReadsServerPromptAndEntities()
    {
        var arguments = ConsoleArguments.Parse(["--server", "http://127.0.0.1:5077", "--prompt", "A task tracker", "--entities", "User,Task"]);

        arguments.Server.Should().Be(new Uri("http://127.0.0.1:5077"));
        arguments.Prompt.Should().Be("A task tracker");
        arguments.Entities.Should().Equal("User", "Task");
        arguments.ParentId.Should().BeNull();
    }

    [Fact]
    public void Parse_PromptOnly_UsesTheDefaultServerAndNoEntities()
    {
        var arguments = ConsoleArguments.Parse(["--prompt", "x"]);

        arguments.Server.Should().Be(new Uri(ConsoleArguments.DefaultServer));
        arguments.Entities.Should().BeEmpty();
    }

    [Fact]
    public void Parse_EntitiesWithSpacesAndEmptyItems_AreTrimmedAndDropped()
    {
        ConsoleArguments.Parse(["--prompt", "x", "--entities", " User , ,Task,"]).Entities.Should().Equal("User", "Task");
    }

    [Fact]
    public void Parse_Iterate_ReadsTheParent()
    {
        var parent = Guid.NewGuid().ToString();

        var arguments = ConsoleArguments.Parse(["--iterate", parent, "--prompt", "Add due dates", "--control-token", "abc.def"]);

        arguments.ParentId.Should().Be(parent);
        arguments.Prompt.Should().Be("Add due dates");
        arguments.ControlToken.Should().Be("abc.def");
    }

    [Fact]
    public void Parse_IterateWithTheTokenInTheEnvironment_UsesIt()
    {
        var arguments = ConsoleArguments.Parse(["--iterate", Guid.NewGuid().ToString(), "--prompt", "x"], environmentControlToken: " abc.def\n");

        arguments.ControlToken.Should().Be("abc.def");
    }

    [Fact]
    public void Parse_TheOptionWinsOverTheEnvironment()
    {
        ConsoleArguments.Parse(["--retry", "id", "--control-token", "from.option"], environmentControlToken: "from.env").ControlToken.Should().Be("from.option");
    }

    [Fact]
    public void Parse_Retry_ReadsTheGenerationAndNeedsNoPrompt()
    {
        var id = Guid.NewGuid().ToString();

        var arguments = ConsoleArguments.Parse(["--retry", id, "--server", "http://127.0.0.1:5077"], environmentControlToken: "abc.def");

        arguments.RetryId.Should().Be(id);
        arguments.Prompt.Should().BeNull();
        arguments.ParentId.Should().BeNull();
        arguments.ControlToken.Should().Be("abc.def");
    }

    [Fact]
    public void Parse_StartWithTheTokenInTheEnvironment_IgnoresIt()
    {
        ConsoleArguments.Parse(["--prompt", "x"], environmentControlToken: "abc.def").ControlToken.Should().BeNull();
    }

    [Theory]
    [InlineData("plan", true, false)]
    [InlineData("phases", false, true)]
    [InlineData("plan,phases", true, true)]
    [InlineData(" phases , plan ", true, true)]
    public void Parse_Review_StopsWhereItSays(string value, bool plan, bool everyPhase)
    {
        var review = ConsoleArguments.Parse(["--prompt", "x", "--review", value]).Review;

        review.Should().NotBeNull();
        (review!.Plan == true).Should().Be(plan);
        (review.AfterPhases == Iteration.Streaming.Contracts.PhaseSelection.All).Should().Be(everyPhase);
    }

    [Fact]
    public void Parse_ReviewWithIterateAndRetry_AppliesToThemToo()
    {
        ConsoleArguments.Parse(["--iterate", "id", "--prompt", "x", "--review", "plan"], environmentControlToken: "t").Review!.Plan.Should().BeTrue();
        ConsoleArguments.Parse(["--retry", "id", "--review", "phases"], environmentControlToken: "t").Review!.AfterPhases.Should().Be(Iteration.Streaming.Contracts.PhaseSelection.All);
    }

    [Fact]
    public void Parse_NoReview_AsksForNoGates()
    {
        ConsoleArguments.Parse(["--prompt", "x"]).Review.Should().BeNull();
    }

    [Theory]
    [InlineData("all")]
    [InlineData("Plan")]
    [InlineData("plan,plan")]
    [InlineData("plan,phases,plan")]
    [InlineData("plan,")]
    [InlineData(",")]
    [InlineData("1,3")]
    [InlineData("plan;rm -rf /")]
    public void Parse_ReviewNotPlanOrPhases_ThrowsSayingWhatItTakes(string value)
    {
        var act = () => ConsoleArguments.Parse(["--prompt", "x", "--review", value]);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("--review takes plan, phases or plan,phases");
    }

    [Fact]
    public void Usage_Review_SaysEachChoiceAndWhatARedirectedStdinDoes()
    {
        ConsoleArguments.Usage.Should().Contain("--review").And.Contain("plan,phases").And.Contain("Enter approves")
            .And.Contain("c cancels").And.Contain("instruction").And.Contain("When stdin is not a terminal (redirected), every stop is approved automatically.");
    }

    [Theory]
    [InlineData(new string[0], "--prompt is required")]
    [InlineData(new[] { "--prompt", "x", "--review" }, "--review needs a value")]
    [InlineData(new[] { "--prompt", " " }, "--prompt is required")]
    [InlineData(new[] { "--prompt" }, "--prompt needs a value")]
    [InlineData(new[] { "--prompt", "--server", "http://x" }, "--prompt needs a value")]
    [InlineData(new[] { "--verbose" }, "Unknown option '--verbose'")]
    [InlineData(new[] { "--prompt", "x", "--help" }, "Unknown option '--help'")]
    [InlineData(new[] { "prompt", "x" }, "Unknown option 'prompt'")]
    [InlineData(new[] { "--prompt", "x", "--prompt", "y" }, "--prompt is given twice")]
    [InlineData(new[] { "--prompt", "x", "--server", "127.0.0.1:5000" }, "--server must be an http(s) URL")]
    [InlineData(new[] { "--prompt", "x", "--server", "ftp://127.0.0.1" }, "--server must be an http(s) URL")]
    [InlineData(new[] { "--prompt", "x", "--server", "/relative" }, "--server must be an http(s) URL")]
    [InlineData(new[] { "--prompt", "x", "--iterate", " ", "--control-token", "t" }, "--iterate needs a generation id")]
    [InlineData(new[] { "--prompt", "x", "--iterate", "id", "--entities", "User" }, "--entities does not apply to --iterate")]
    [InlineData(new[] { "--prompt", "x", "--iterate", "id" }, "needs the generation's control token")]
    [InlineData(new[] { "--retry", "id" }, "needs the generation's control token")]
    [InlineData(new[] { "--retry", " ", "--control-token", "t" }, "--retry needs a generation id")]
    [InlineData(new[] { "--retry", "id", "--prompt", "x", "--control-token", "t" }, "--retry takes no --prompt")]
    [InlineData(new[] { "--retry", "id", "--entities", "User", "--control-token", "t" }, "--retry takes no --prompt")]
    [InlineData(new[] { "--prompt", "x", "--control-token", "t" }, "--control-token applies only to --iterate and --retry")]
    [InlineData(new[] { "--retry", "id", "--control-token", "a b" }, "printable ASCII")]
    public void Parse_BadCommandLine_ThrowsArgumentExceptionSayingWhy(string[] args, string reason)
    {
        var act = () => ConsoleArguments.Parse(args);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(reason);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void IsHelp_TheHelpSwitchAlone_IsTrue(string option)
    {
        ConsoleArguments.IsHelp([option]).Should().BeTrue();
    }

    [Fact]
    public void IsHelp_APromptCommand_IsFalse()
    {
        ConsoleArguments.IsHelp(["--prompt", "--help"]).Should().BeFalse();
    }

    [Fact]
    public void Usage_IterateAndRetry_SayTheyNeedTheControlToken()
    {
        ConsoleArguments.Usage.Should().Contain("--iterate <generation id> --prompt \"Add due dates\" --control-token <token>")
            .And.Contain("--retry <generation id> --control-token <token>")
            .And.Contain("--iterate and --retry need the generation's control token");
    }

    [Fact]
    public void Usage_ShowsTheCommandOfTheReadme()
    {
        ConsoleArguments.Usage.Should().Contain("--server").And.Contain("--prompt").And.Contain("--entities").And.Contain("--iterate")
            .And.Contain("--retry").And.Contain("--control-token").And.Contain(ConsoleArguments.ControlTokenVariable);
    }
}
