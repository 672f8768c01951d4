"""Binary face attributes (CelebA names) and captions built from them.

Every attribute here changes the drawing (see :mod:`.head` and
:mod:`.features`), so a classifier trained on the synthetic faces has a real
signal to find, and the caption is a faithful description of the image,
which is what the image-text pretraining objective needs.
"""
HAIR_COLOURS = ('Black_Hair', 'Blond_Hair', 'Brown_Hair', 'Gray_Hair')

#: Attribute names, CelebA spelling; all are rendered visibly.
ATTRIBUTE_NAMES = (
    'Bald', 'Bangs', 'Black_Hair', 'Blond_Hair', 'Brown_Hair', 'Eyeglasses',
    'Gray_Hair', 'Heavy_Makeup', 'Male', 'Mouth_Slightly_Open', 'Mustache',
    'No_Beard', 'Pale_Skin', 'Rosy_Cheeks', 'Smiling', 'Wearing_Hat',
    'Wearing_Lipstick')

_TEMPLATES = (
    'a photo of {desc}.',
    'a cartoon portrait of {desc}.',
    'a close-up photo of the face of {desc}.',
    'a synthetic picture of {desc}.',
    'a drawing of {desc}.',
)


def sample_attributes(rng, pale_skin):
    """Draw a plausible attribute combination.

    Args:
        rng (np.random.Generator): The sample's attribute stream.
        pale_skin (bool): Whether the sampled skin tone counts as pale (the
            tone is drawn with the colours, the attribute only reports it).

    Returns:
        dict[str, int]: Attribute name -> 0/1 for every name in
        :data:`ATTRIBUTE_NAMES`, already passed through
        :func:`normalise_attributes`.
    """
    u = rng.random(12)
    male = u[0] < 0.5
    hat = u[1] < 0.15
    attrs = dict(
        Male=male,
        Wearing_Hat=hat,
        Bald=male and not hat and u[2] < 0.2,
        Bangs=u[3] < (0.15 if male else 0.35),
        Eyeglasses=u[4] < 0.25,
        Smiling=u[5] < 0.5,
        Mouth_Slightly_Open=u[6] < 0.45,
        Heavy_Makeup=not male and u[7] < 0.35,
        Wearing_Lipstick=not male and u[8] < 0.5,
        Mustache=male and u[9] < 0.25,
        No_Beard=not (male and u[10] < 0.35),
        Rosy_Cheeks=u[11] < 0.15,
        Pale_Skin=pale_skin,
    )
    hair = rng.choice(len(HAIR_COLOURS), p=(0.35, 0.2, 0.3, 0.15))
    for i, name in enumerate(HAIR_COLOURS):
        attrs[name] = i == hair
    return normalise_attributes(attrs)


def normalise_attributes(attrs):
    """Make an attribute dict complete and self-consistent.

    Overrides given by a caller (e.g. ``Bald=1`` in a test) are kept; the
    attributes they contradict are changed so the returned dict is exactly
    what gets drawn: a bald head has no hair colour and no bangs, exactly one
    hair colour is set otherwise (black by default), and heavy makeup
    includes lipstick.
    """
    out = {name: int(bool(attrs.get(name, 0))) for name in ATTRIBUTE_NAMES}
    if out['Bald']:
        out['Bangs'] = 0
        for name in HAIR_COLOURS:
            out[name] = 0
    else:
        chosen = [name for name in HAIR_COLOURS if out[name]] or ['Black_Hair']
        for name in HAIR_COLOURS:
            out[name] = int(name == chosen[0])
    if out['Heavy_Makeup']:
        out['Wearing_Lipstick'] = 1
    return out


def hair_colour_name(attrs):
    """The one hair colour attribute that is set, or None when bald."""
    for name in HAIR_COLOURS:
        if attrs[name]:
            return name
    return None


def _join(parts):
    if len(parts) == 1:
        return parts[0]
    return ', '.join(parts[:-1]) + ' and ' + parts[-1]


def make_caption(attrs, rng):
    """A short English description of the drawn face.

    The wording varies over a few templates and clause orders so a text
    encoder cannot key on one fixed sentence.

    Args:
        attrs (dict[str, int]): Normalised attributes.
        rng (np.random.Generator): The sample's caption stream.

    Returns:
        str: e.g. ``'a photo of a smiling bald man wearing eyeglasses.'``
    """
    adjectives = []
    if attrs['Smiling']:
        adjectives.append('smiling')
    if attrs['Bald']:
        adjectives.append('bald')
    noun = 'man' if attrs['Male'] else 'woman'
    if rng.random() < 0.15:
        noun = 'person'
    clauses = []
    hair = hair_colour_name(attrs)
    if hair is not None:
        colour = hair.split('_')[0].lower()
        bangs = ' and bangs' if attrs['Bangs'] else ''
        clauses.append(f'with {colour} hair{bangs}')
    if attrs['Eyeglasses']:
        clauses.append('wearing eyeglasses')
    if attrs['Wearing_Hat']:
        clauses.append('wearing a hat')
    if attrs['Mustache']:
        clauses.append('with a mustache')
    if not attrs['No_Beard']:
        clauses.append('with a beard')
    if attrs['Heavy_Makeup']:
        clauses.append('wearing heavy makeup')
    elif attrs['Wearing_Lipstick']:
        clauses.append('wearing lipstick')
    if attrs['Rosy_Cheeks']:
        clauses.append('with rosy cheeks')
    if attrs['Mouth_Slightly_Open']:
        clauses.append('with a slightly open mouth')
    if attrs['Pale_Skin']:
        clauses.append('with pale skin')
    clauses = [clauses[i] for i in rng.permutation(len(clauses))]
    desc = ' '.join(adjectives + [noun])
    desc = ('an ' if desc[0] in 'aeiou' else 'a ') + desc
    if clauses:
        desc += ' ' + _join(clauses)
    return _TEMPLATES[rng.integers(len(_TEMPLATES))].format(desc=desc)
