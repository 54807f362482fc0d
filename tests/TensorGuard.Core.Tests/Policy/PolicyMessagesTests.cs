using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Policy;

/// <summary>Every message about a policy names where the problem is and what to write instead.</summary>
public sealed class PolicyMessagesTests
{
    private const string Families = """
        families:
          - id: llama
            bases:
              - name: a
                license: apache-2.0
                features: {global_mean: 1}
        """;

    private static PolicyException Error(string yaml) =>
        Assert.Throws<PolicyException>(() => PolicyLoader.Read(YamlTreeReader.Read(yaml, "policy.yml"), "policy.yml", Path.GetTempPath()));

    private static PolicyDocument Load(string yaml) =>
        PolicyLoader.Read(YamlTreeReader.Read(yaml, "policy.yml"), "policy.yml", Path.GetTempPath());

    [Fact]
    public void Read_TabIndentation_SaysTabAtItsOwnLineAndColumn()
    {
        var error = Assert.Throws<PolicyException>(() => YamlTreeReader.Read("version: 1\norganisation:\n\tcommercial: true\n", "policy.yml"));

        Assert.Equal(new SourcePosition(3, 1), error.Position);
        Assert.StartsWith("policy.yml:3:1: invalid YAML: a tab indents line 3; YAML indents with spaces only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SeveralTabIndentedLines_AreEachReportedAtTheirTab()
    {
        var error = Assert.Throws<PolicyException>(() =>
            YamlTreeReader.Read("version: 1\norganisation:\n\tcommercial: true\n  \tdenied-licenses: [mit]\n", "policy.yml"));

        Assert.Equal([new SourcePosition(3, 1), new SourcePosition(4, 3)], error.Problems.Select(p => p.Position));
        Assert.All(error.Problems, p => Assert.Contains("replace the tab with spaces", p.Problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_BrokenYamlInSeveralSections_ReportsEachSectionsProblemOnceAndNothingForTheSoundOnes()
    {
        const string yaml = """
            version: 1
            organisation:
            	commercial: true
            rules:
              naming: error
            exceptions:
              - model: "out/legacy-*
                rule: naming
            """;

        var error = Assert.Throws<PolicyException>(() => YamlTreeReader.Read(yaml, "policy.yml"));

        Assert.Equal(2, error.Problems.Count);
        Assert.Equal(new SourcePosition(3, 1), error.Problems[0].Position);
        Assert.Contains("a tab indents line 3", error.Problems[0].Problem, StringComparison.Ordinal);
        Assert.True(error.Problems[1].Position.Line >= 7, $"the exceptions section's problem is placed at {error.Problems[1].Position}");
        Assert.StartsWith("invalid YAML: ", error.Problems[1].Problem, StringComparison.Ordinal);
        Assert.Equal(2, error.Message.Split('\n').Length);
    }

    [Fact]
    public void Read_UnclosedFlowMappingThatCrashesTheParser_IsAPolicyErrorAndLaterSectionsAreStillRead()
    {
        // YamlDotNet throws InvalidOperationException, not YamlException, on this input.
        var error = Assert.Throws<PolicyException>(() =>
            YamlTreeReader.Read("version: 1\norganisation: {commercial: true\nrules:\n  naming: [error\n", "policy.yml"));

        Assert.Equal(2, error.Problems.Count);
        Assert.Equal(2, error.Problems[0].Position.Line);
        Assert.Contains("look for an unclosed '[', '{' or quote", error.Problems[0].Problem, StringComparison.Ordinal);
        Assert.Contains("flow sequence", error.Problems[1].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SyntaxError_CarriesItsOwnPositionOnce()
    {
        var error = Assert.Throws<PolicyException>(() => YamlTreeReader.Read("version: 1\nfamilies: [a, b\n", "policy.yml"));

        Assert.Equal(3, error.Position.Line);
        Assert.DoesNotContain("Line:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  - model: *legacy*\n")]
    [InlineData("  - model: **/legacy\n")]
    public void Read_UnquotedGlobStartingWithStar_SaysQuoteIt(string line)
    {
        var error = Assert.Throws<PolicyException>(() => YamlTreeReader.Read("version: 1\nexceptions:\n" + line + "    rule: naming\n", "policy.yml"));

        Assert.Equal(3, error.Position.Line);
        Assert.Contains("quote it", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralProblems_AreAllReportedInFileOrder()
    {
        var error = Error($"""
            version: 1
            {Families}
            organisation:
              commercal: true
              denied-licenses: [llama-3.1]
            exceptions:
              - model: "out/*"
                rule: naming
                reason: r
                expires: 2027-02-30
            """);

        Assert.Equal(3, error.Problems.Count);
        Assert.Equal([9, 10, 15], error.Problems.Select(p => (int)p.Position.Line));
        Assert.Contains("did you mean 'commercial'?", error.Problems[0].Problem, StringComparison.Ordinal);
        Assert.Contains("did you mean 'llama3.1'?", error.Problems[1].Problem, StringComparison.Ordinal);
        Assert.Contains("impossible date", error.Problems[2].Problem, StringComparison.Ordinal);
        Assert.Equal(3, error.Message.Split('\n').Length);
    }

    [Fact]
    public void Load_KeyThatLostItsIndentation_SuggestsTheSection()
    {
        var error = Error($"version: 1\n{Families}\norganisation:\ncommercial: true\n");

        Assert.Equal(new SourcePosition(9, 1), error.Position);
        Assert.Contains("did you mean to put it under organisation:?", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RuleAtTopLevel_SuggestsRules()
    {
        var error = Error($"version: 1\n{Families}\nnaming: warning\n");

        Assert.Contains("did you mean to put it under rules:?", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2027-02-30", "impossible date")]
    [InlineData("2026-13-01", "impossible date")]
    [InlineData("30.06.2027", "must be a date written YYYY-MM-DD")]
    public void Load_BadExpiry_SaysWhatIsWrong(string date, string expected)
    {
        var error = Error($"version: 1\n{Families}\nexceptions:\n  - model: x\n    rule: naming\n    reason: r\n    expires: {date}\n");

        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingVersion_SuggestsVersionOne()
    {
        var error = Error(Families);

        Assert.Contains("add 'version: 1'", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("allowed-licenses: apache-2.0, mit", "write allowed-licenses: [apache-2.0, mit]")]
    [InlineData("denied-families: llama", "write denied-families: [llama]")]
    public void Load_ScalarWhereAListIsWanted_IsAnError(string line, string expected)
    {
        var error = Error($"version: 1\n{Families}\norganisation:\n  {line}\n");

        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("denied-licenses: [llama-3.1]", "did you mean 'llama3.1'?")]
    [InlineData("allowed-licenses: [apache2]", "did you mean 'apache-2.0'?")]
    [InlineData("allowed-licenses: [zzzz-private]", "add it to 'licenses:'")]
    public void Load_UnknownLicenseIdInAList_IsAnErrorWithASuggestion(string line, string expected)
    {
        var error = Error($"version: 1\n{Families}\norganisation:\n  {line}\n");

        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LicenseIdsFromTheHubAndThePolicy_AreAccepted()
    {
        PolicyDocument policy = Load($"""
            version: 1
            licenses:
              - id: qwen-research
                commercial: false
              - id: apache-2.0
                commercial: true
            {Families}
            organisation:
              allowed-licenses: [apache-2.0, qwen-research, llama3.1, cc-by-nc-4.0]
            """);

        Assert.Equal(["apache-2.0", "qwen-research", "llama3.1", "cc-by-nc-4.0"], policy.Organisation.AllowedLicenses);
    }

    [Fact]
    public void Load_BaseLicenseWithoutLicensesSection_MustBeAHubId()
    {
        var error = Error("version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: a\n        license: llama-3.1\n        features: {global_mean: 1}\n");

        Assert.Contains("not a Hugging Face Hub license id; did you mean 'llama3.1'?", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ModelsEntryLicense_IsChecked()
    {
        var error = Error($"version: 1\n{Families}\nmodels:\n  - path: out/x\n    license: apache\n");

        Assert.Contains("'license' names license 'apache'", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void HubLicenses_EmbeddedList_HasTheHubsIds()
    {
        Assert.Contains("apache-2.0", HubLicenses.Ids);
        Assert.Contains("llama3.1", HubLicenses.Ids);
        Assert.Contains("other", HubLicenses.Ids);
        Assert.DoesNotContain(HubLicenses.Ids, id => id.StartsWith('#'));
    }
}
