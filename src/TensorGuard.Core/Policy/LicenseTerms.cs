namespace TensorGuard.Core.Policy;

/// <summary>
/// What a license demands of a derivative, as far as a gate can check it: the policy's <c>licenses:</c> entries.
/// </summary>
/// <param name="Id">The Hugging Face Hub license id (<c>llama3.1</c>, <c>apache-2.0</c>, <c>qwen-research</c>, …).</param>
/// <param name="Name">The license's full name.</param>
/// <param name="Link">Where its text is.</param>
/// <param name="Commercial">Whether commercial use is allowed.</param>
/// <param name="AllowsRelicensing">Whether a derivative may be distributed under another license (permissive licenses).</param>
/// <param name="NamePrefix">The text a derivative's name must begin with, if any ("Llama").</param>
/// <param name="Notices">Texts a derivative must carry.</param>
/// <param name="Conditions">Further terms a gate cannot check, repeated in reports as reminders.</param>
/// <param name="Covers">Hub id patterns (<c>*</c> wildcards) of models under this license, for declared base models.</param>
public sealed record LicenseTerms(
    string Id,
    string Name,
    string? Link,
    bool Commercial,
    bool AllowsRelicensing,
    string? NamePrefix,
    IReadOnlyList<RequiredNotice> Notices,
    IReadOnlyList<string> Conditions,
    IReadOnlyList<string> Covers,
    SourcePosition Position);

/// <summary>A notice a license requires: one of <paramref name="AnyOf"/> must appear at <paramref name="Where"/>.</summary>
public sealed record RequiredNotice(IReadOnlyList<string> AnyOf, NoticePlace Where);
