using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Tests.Formats;

public sealed class UntrustedTextTests
{
    [Theory]
    [InlineData("a\nb\rc\td", "a?b?c?d")]
    [InlineData("line\u2028sep\u2029para", "line?sep?para")]
    [InlineData("rtl\u202Eoverride\u200Bzero-width", "rtl?override?zero-width")]
    [InlineData("esc\u001B[31mred", "esc?[31mred")]
    [InlineData("emoji \U0001F600 ok", "emoji \U0001F600 ok")]
    [InlineData("model.layers.0.mlp.down_proj.weight", "model.layers.0.mlp.down_proj.weight")]
    public void Printable_HostileCharacters_AreReplaced(string text, string expected) =>
        Assert.Equal(expected, UntrustedText.Printable(text));

    [Fact]
    public void Printable_LoneSurrogate_IsReplaced() =>
        Assert.Equal("lone?surrogate", UntrustedText.Printable("lone" + '\uD800' + "surrogate"));

    [Fact]
    public void Printable_LongText_IsShortenedWithoutSplittingSurrogatePairs()
    {
        string text = new string('x', 119) + "\U0001F600" + new string('y', 50);

        string printable = UntrustedText.Printable(text);

        Assert.Equal(new string('x', 119) + "\U0001F600…", printable);
    }

    [Fact]
    public void ModelFormatException_PathWithNewline_KeepsMessageOnOneLine()
    {
        var error = new ModelFormatException("/tmp/evil\nerror: all clear.safetensors", "file is 0 bytes");

        Assert.Equal("/tmp/evil?error: all clear.safetensors: file is 0 bytes", error.Message);
    }
}
