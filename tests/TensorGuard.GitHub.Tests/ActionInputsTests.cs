using TensorGuard.Core.Policy;
using TensorGuard.GitHub;

namespace TensorGuard.GitHub.Tests;

public sealed class ActionInputsTests
{
    private static ActionEnvironment Env(params (string Name, string Value)[] variables) =>
        new(variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal));

    [Theory]
    [InlineData("models", "INPUT_MODELS")]
    [InlineData("fail-on", "INPUT_FAIL-ON")]
    [InlineData("github-token", "INPUT_GITHUB-TOKEN")]
    [InlineData("model-name", "INPUT_MODEL-NAME")]
    [InlineData("sarif-file", "INPUT_SARIF-FILE")]
    [InlineData("report-dir", "INPUT_REPORT-DIR")]
    [InlineData("two words", "INPUT_TWO_WORDS")]
    public void InputVariable_KeepsHyphensAndUpperCases(string input, string variable) =>
        Assert.Equal(variable, ActionEnvironment.InputVariable(input));

    [Fact]
    public void Read_OnlyModels_TakesEveryDefault()
    {
        ActionInputs inputs = ActionInputs.Read(Env(("INPUT_MODELS", "out/model.safetensors")));

        Assert.Equal(["out/model.safetensors"], inputs.Models);
        Assert.Null(inputs.Policy);
        Assert.Null(inputs.ModelName);
        Assert.Null(inputs.License);
        Assert.Null(inputs.BaseModels);
        Assert.Null(inputs.FailOn);
        Assert.Equal(CommentMode.Always, inputs.Comment);
        Assert.Null(inputs.Token);
        Assert.Null(inputs.SarifFile);
        Assert.Equal("tensorguard-report", inputs.ReportDir);
    }

    [Fact]
    public void Read_BlankInputs_TakeDefaults()
    {
        // The runner passes every declared input, with an empty value when the workflow sets none.
        ActionInputs inputs = ActionInputs.Read(Env(("INPUT_MODELS", "m"), ("INPUT_FAIL-ON", ""), ("INPUT_COMMENT", "  "),
            ("INPUT_REPORT-DIR", ""), ("INPUT_POLICY", ""), ("INPUT_GITHUB-TOKEN", "")));

        Assert.Null(inputs.FailOn);
        Assert.Equal(CommentMode.Always, inputs.Comment);
        Assert.Equal("tensorguard-report", inputs.ReportDir);
        Assert.Null(inputs.Policy);
        Assert.Null(inputs.Token);
    }

    [Fact]
    public void Read_EveryInputSet_ReadsEachFromItsVariable()
    {
        ActionInputs inputs = ActionInputs.Read(Env(
            ("INPUT_MODELS", "a/*.safetensors\nb/model.safetensors.index.json, c"),
            ("INPUT_POLICY", ".github/tensorguard.yml"),
            ("INPUT_MODEL-NAME", "Llama-3-Mine"),
            ("INPUT_LICENSE", "llama3"),
            ("INPUT_BASE-MODEL", "meta-llama/Meta-Llama-3-8B, other/base"),
            ("INPUT_FAIL-ON", "Warning"),
            ("INPUT_COMMENT", "on-failure"),
            ("INPUT_GITHUB-TOKEN", " ghs_input "),
            ("INPUT_SARIF-FILE", "out.sarif"),
            ("INPUT_REPORT-DIR", "reports")));

        Assert.Equal(["a/*.safetensors", "b/model.safetensors.index.json", "c"], inputs.Models);
        Assert.Equal(".github/tensorguard.yml", inputs.Policy);
        Assert.Equal("Llama-3-Mine", inputs.ModelName);
        Assert.Equal("llama3", inputs.License);
        Assert.Equal(["meta-llama/Meta-Llama-3-8B", "other/base"], inputs.BaseModels);
        Assert.Equal(FailOn.Warning, inputs.FailOn);
        Assert.Equal(CommentMode.OnFailure, inputs.Comment);
        Assert.Equal("ghs_input", inputs.Token!.Reveal());
        Assert.Equal("out.sarif", inputs.SarifFile);
        Assert.Equal("reports", inputs.ReportDir);
    }

    [Theory]
    [InlineData("error", FailOn.Error)]
    [InlineData("warning", FailOn.Warning)]
    [InlineData("never", FailOn.Never)]
    [InlineData("NEVER", FailOn.Never)]
    public void Read_FailOn_ParsesEachLevel(string value, FailOn expected) =>
        Assert.Equal(expected, ActionInputs.Read(Env(("INPUT_MODELS", "m"), ("INPUT_FAIL-ON", value))).FailOn);

    [Theory]
    [InlineData("always", CommentMode.Always)]
    [InlineData("on-failure", CommentMode.OnFailure)]
    [InlineData("never", CommentMode.Never)]
    public void Read_Comment_ParsesEachMode(string value, CommentMode expected) =>
        Assert.Equal(expected, ActionInputs.Read(Env(("INPUT_MODELS", "m"), ("INPUT_COMMENT", value))).Comment);

    [Fact]
    public void Read_UnknownFailOn_NamesInputAndChoices()
    {
        var error = Assert.Throws<ActionInputException>(() => ActionInputs.Read(Env(("INPUT_MODELS", "m"), ("INPUT_FAIL-ON", "critical"))));

        Assert.Equal("input fail-on is 'critical'; use one of error, warning, never", error.Message);
    }

    [Fact]
    public void Read_UnderscoreVariableName_IsNotTheHyphenatedInput()
    {
        // A shell can only export INPUT_FAIL_ON, which the runner never sets; it must not be mistaken for fail-on.
        ActionInputs inputs = ActionInputs.Read(Env(("INPUT_MODELS", "m"), ("INPUT_FAIL_ON", "never")));

        Assert.Null(inputs.FailOn);
    }

    [Fact]
    public void Read_NoModels_LeavesThemToThePolicy()
    {
        ActionInputs inputs = ActionInputs.Read(Env(("INPUT_MODELS", " ,\n ")));

        Assert.Empty(inputs.Models);
    }

    [Fact]
    public void Read_CacheDirAndOnlyChanged_AreRead()
    {
        ActionInputs inputs = ActionInputs.Read(Env(("INPUT_CACHE-DIR", ".cache/tg"), ("INPUT_ONLY-CHANGED", "true")));

        Assert.Equal(".cache/tg", inputs.CacheDir);
        Assert.True(inputs.OnlyChanged);
    }

    [Fact]
    public void Read_OnlyChangedNotABoolean_SaysWhatToWrite()
    {
        var error = Assert.Throws<ActionInputException>(() => ActionInputs.Read(Env(("INPUT_ONLY-CHANGED", "yes"))));

        Assert.Equal("input only-changed is 'yes'; use one of true, false", error.Message);
    }

    [Fact]
    public void Read_NoTokenInput_FallsBackToGitHubToken()
    {
        ActionInputs inputs = ActionInputs.Read(Env(("INPUT_MODELS", "m"), ("GITHUB_TOKEN", "ghs_env")));

        Assert.Equal("ghs_env", inputs.Token!.Reveal());
    }

    [Fact]
    public void Read_TokenInputAndGitHubToken_PrefersTheInput()
    {
        ActionInputs inputs = ActionInputs.Read(Env(("INPUT_MODELS", "m"), ("INPUT_GITHUB-TOKEN", "ghs_input"), ("GITHUB_TOKEN", "ghs_env")));

        Assert.Equal("ghs_input", inputs.Token!.Reveal());
    }

    [Fact]
    public void Token_WhenPrinted_IsMasked()
    {
        ActionInputs inputs = ActionInputs.Read(Env(("INPUT_MODELS", "m"), ("INPUT_GITHUB-TOKEN", "ghs_secret")));

        Assert.DoesNotContain("ghs_secret", inputs.ToString());
        Assert.Equal("***", inputs.Token!.ToString());
    }

    [Fact]
    public void FromProcess_HyphenatedVariable_IsReadFromTheProcessEnvironment()
    {
        string name = $"tensorguard-probe-{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(ActionEnvironment.InputVariable(name), " value ");
        try
        {
            Assert.Equal("value", ActionEnvironment.FromProcess().Input(name));
        }
        finally
        {
            Environment.SetEnvironmentVariable(ActionEnvironment.InputVariable(name), null);
        }
    }
}
