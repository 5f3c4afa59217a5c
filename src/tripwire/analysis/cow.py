"""Correlates of War state codes: number (``ccode``), abbreviation (``stateabb``), name, and the
present-day countries that occupy the state's territory (ISO 3166 alpha-3 codes as Natural Earth
writes them), for maps and for exports that R and Stata users join on ``ccode``/``stateabb``.

Historical states map to their successors: Austria-Hungary to Austria and Hungary, the German
states and both post-war Germanies to Germany, Russia/the Soviet Union (COW ``RUS``; ``USR`` is
accepted too) to Russia, Yugoslavia (COW ``YUG``, also Serbia before 1918) and ``SRB`` to Serbia,
Czechoslovakia to Czechia and Slovakia, Korea to both Koreas, the Yemens and Vietnams to Yemen and
Vietnam, Gran Colombia and the United Provinces of Central America to their successors, the Italian
states to Italy, Zanzibar to Tanzania. States too small to appear on a 1:110m map carry a point
(longitude, latitude of the capital) to draw instead.

The table is this project's own, from the COW State System Membership list (2016).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CowState", "COW", "ALIASES", "lookup", "ccode_of", "countries_of"]


@dataclass(frozen=True)
class CowState:
    ccode: int
    stateabb: str
    name: str
    countries: tuple[str, ...]
    point: tuple[float, float] | None = None


# ccode | stateabb | name | successor countries (ISO alpha-3) | lon,lat when too small for the map
_TABLE = """
2|USA|United States of America|USA|
20|CAN|Canada|CAN|
31|BHM|Bahamas|BHS|
40|CUB|Cuba|CUB|
41|HAI|Haiti|HTI|
42|DOM|Dominican Republic|DOM|
51|JAM|Jamaica|JAM|
52|TRI|Trinidad and Tobago|TTO|
53|BAR|Barbados|BRB|-59.6,13.1
54|DMA|Dominica|DMA|-61.4,15.3
55|GRN|Grenada|GRD|-61.75,12.05
56|SLU|St. Lucia|LCA|-61.0,13.9
57|SVG|St. Vincent and the Grenadines|VCT|-61.2,13.2
58|AAB|Antigua and Barbuda|ATG|-61.8,17.1
60|SKN|St. Kitts and Nevis|KNA|-62.7,17.3
70|MEX|Mexico|MEX|
80|BLZ|Belize|BLZ|
89|UPC|United Provinces of Central America|GTM HND SLV NIC CRI|
90|GUA|Guatemala|GTM|
91|HON|Honduras|HND|
92|SAL|El Salvador|SLV|
93|NIC|Nicaragua|NIC|
94|COS|Costa Rica|CRI|
95|PAN|Panama|PAN|
99|GCL|Gran Colombia|COL VEN ECU PAN|
100|COL|Colombia|COL|
101|VEN|Venezuela|VEN|
110|GUY|Guyana|GUY|
115|SUR|Suriname|SUR|
130|ECU|Ecuador|ECU|
135|PER|Peru|PER|
140|BRA|Brazil|BRA|
145|BOL|Bolivia|BOL|
150|PAR|Paraguay|PRY|
155|CHL|Chile|CHL|
160|ARG|Argentina|ARG|
165|URU|Uruguay|URY|
200|UKG|United Kingdom|GBR|
205|IRE|Ireland|IRL|
210|NTH|Netherlands|NLD|
211|BEL|Belgium|BEL|
212|LUX|Luxembourg|LUX|
220|FRN|France|FRA|
221|MNC|Monaco|MCO|7.42,43.74
223|LIE|Liechtenstein|LIE|9.55,47.14
225|SWZ|Switzerland|CHE|
230|SPN|Spain|ESP|
232|AND|Andorra|AND|1.52,42.51
235|POR|Portugal|PRT|
240|HAN|Hanover|DEU|
245|BAV|Bavaria|DEU|
255|GMY|Germany|DEU|
260|GFR|German Federal Republic|DEU|
265|GDR|German Democratic Republic|DEU|
267|BAD|Baden|DEU|
269|SAX|Saxony|DEU|
271|WRT|Wuerttemberg|DEU|
273|HSE|Hesse Electoral|DEU|
275|HSG|Hesse Grand Ducal|DEU|
280|MEC|Mecklenburg-Schwerin|DEU|
290|POL|Poland|POL|
300|AUH|Austria-Hungary|AUT HUN|
305|AUS|Austria|AUT|
310|HUN|Hungary|HUN|
315|CZE|Czechoslovakia|CZE SVK|
316|CZR|Czech Republic|CZE|
317|SLO|Slovakia|SVK|
325|ITA|Italy|ITA|
327|PAP|Papal States|ITA|
329|SIC|Two Sicilies|ITA|
331|SNM|San Marino|SMR|12.45,43.94
332|MOD|Modena|ITA|
335|PMA|Parma|ITA|
337|TUS|Tuscany|ITA|
338|MLT|Malta|MLT|14.5,35.9
339|ALB|Albania|ALB|
341|MNG|Montenegro|MNE|
343|MAC|Macedonia|MKD|
344|CRO|Croatia|HRV|
345|YUG|Yugoslavia (Serbia before 1918)|SRB|
346|BOS|Bosnia and Herzegovina|BIH|
347|KOS|Kosovo|XKX|
349|SLV|Slovenia|SVN|
350|GRC|Greece|GRC|
352|CYP|Cyprus|CYP|
355|BUL|Bulgaria|BGR|
359|MLD|Moldova|MDA|
360|ROM|Romania|ROU|
365|RUS|Russia (Soviet Union)|RUS|
366|EST|Estonia|EST|
367|LAT|Latvia|LVA|
368|LIT|Lithuania|LTU|
369|UKR|Ukraine|UKR|
370|BLR|Belarus|BLR|
371|ARM|Armenia|ARM|
372|GRG|Georgia|GEO|
373|AZE|Azerbaijan|AZE|
375|FIN|Finland|FIN|
380|SWD|Sweden|SWE|
385|NOR|Norway|NOR|
390|DEN|Denmark|DNK|
395|ICE|Iceland|ISL|
402|CAP|Cape Verde|CPV|-23.5,14.9
403|STP|Sao Tome and Principe|STP|6.73,0.34
404|GNB|Guinea-Bissau|GNB|
411|EQG|Equatorial Guinea|GNQ|
420|GAM|Gambia|GMB|
432|MLI|Mali|MLI|
433|SEN|Senegal|SEN|
434|BEN|Benin|BEN|
435|MAA|Mauritania|MRT|
436|NIR|Niger|NER|
437|CDI|Ivory Coast|CIV|
438|GUI|Guinea|GIN|
439|BFO|Burkina Faso|BFA|
450|LBR|Liberia|LBR|
451|SIE|Sierra Leone|SLE|
452|GHA|Ghana|GHA|
461|TOG|Togo|TGO|
471|CAO|Cameroon|CMR|
475|NIG|Nigeria|NGA|
481|GAB|Gabon|GAB|
482|CEN|Central African Republic|CAF|
483|CHA|Chad|TCD|
484|CON|Congo|COG|
490|DRC|Democratic Republic of the Congo|COD|
500|UGA|Uganda|UGA|
501|KEN|Kenya|KEN|
510|TAZ|Tanzania|TZA|
511|ZAN|Zanzibar|TZA|
516|BUI|Burundi|BDI|
517|RWA|Rwanda|RWA|
520|SOM|Somalia|SOM SOL|
522|DJI|Djibouti|DJI|
530|ETH|Ethiopia|ETH|
531|ERI|Eritrea|ERI|
540|ANG|Angola|AGO|
541|MZM|Mozambique|MOZ|
551|ZAM|Zambia|ZMB|
552|ZIM|Zimbabwe|ZWE|
553|MAW|Malawi|MWI|
560|SAF|South Africa|ZAF|
565|NAM|Namibia|NAM|
570|LES|Lesotho|LSO|
571|BOT|Botswana|BWA|
572|SWA|Swaziland|SWZ|
580|MAG|Madagascar|MDG|
581|COM|Comoros|COM|43.25,-11.7
590|MAS|Mauritius|MUS|57.5,-20.2
591|SEY|Seychelles|SYC|55.45,-4.6
600|MOR|Morocco|MAR|
615|ALG|Algeria|DZA|
616|TUN|Tunisia|TUN|
620|LIB|Libya|LBY|
625|SUD|Sudan|SDN|
626|SSD|South Sudan|SSD|
630|IRN|Iran|IRN|
640|TUR|Turkey (Ottoman Empire)|TUR|
645|IRQ|Iraq|IRQ|
651|EGY|Egypt|EGY|
652|SYR|Syria|SYR|
660|LEB|Lebanon|LBN|
663|JOR|Jordan|JOR|
666|ISR|Israel|ISR|
670|SAU|Saudi Arabia|SAU|
678|YAR|Yemen Arab Republic|YEM|
679|YEM|Yemen|YEM|
680|YPR|Yemen People's Republic|YEM|
690|KUW|Kuwait|KWT|
692|BAH|Bahrain|BHR|50.58,26.22
694|QAT|Qatar|QAT|
696|UAE|United Arab Emirates|ARE|
698|OMA|Oman|OMN|
700|AFG|Afghanistan|AFG|
701|TKM|Turkmenistan|TKM|
702|TAJ|Tajikistan|TJK|
703|KYR|Kyrgyzstan|KGZ|
704|UZB|Uzbekistan|UZB|
705|KZK|Kazakhstan|KAZ|
710|CHN|China|CHN|
712|MON|Mongolia|MNG|
713|TAW|Taiwan|TWN|
730|KOR|Korea|PRK KOR|
731|PRK|North Korea|PRK|
732|ROK|South Korea|KOR|
740|JPN|Japan|JPN|
750|IND|India|IND|
760|BHU|Bhutan|BTN|
770|PAK|Pakistan|PAK|
771|BNG|Bangladesh|BGD|
775|MYA|Myanmar|MMR|
780|SRI|Sri Lanka|LKA|
781|MAD|Maldives|MDV|73.5,4.17
790|NEP|Nepal|NPL|
800|THI|Thailand|THA|
811|CAM|Cambodia|KHM|
812|LAO|Laos|LAO|
816|DRV|Vietnam (Democratic Republic)|VNM|
817|RVN|Republic of Vietnam|VNM|
820|MAL|Malaysia|MYS|
830|SIN|Singapore|SGP|103.8,1.35
835|BRU|Brunei|BRN|
840|PHI|Philippines|PHL|
850|INS|Indonesia|IDN|
860|ETM|East Timor|TLS|
900|AUL|Australia|AUS|
910|PNG|Papua New Guinea|PNG|
920|NEW|New Zealand|NZL|
935|VAN|Vanuatu|VUT|
940|SOL|Solomon Islands|SLB|
946|KIR|Kiribati|KIR|173.0,1.4
947|TUV|Tuvalu|TUV|179.2,-8.5
950|FIJ|Fiji|FJI|
955|TON|Tonga|TON|-175.2,-21.1
970|NAU|Nauru|NRU|166.9,-0.53
983|MSI|Marshall Islands|MHL|171.4,7.1
986|PAL|Palau|PLW|134.5,7.5
987|FSM|Federated States of Micronesia|FSM|158.2,6.9
990|WSM|Samoa|WSM|-171.8,-13.8
"""

#: Spellings in use that are not COW abbreviations -> the COW abbreviation.
ALIASES = {
    "USR": "RUS",
    "SOV": "RUS",
    "SRB": "YUG",
    "SER": "YUG",
    "FRG": "GFR",
    "ROU": "ROM",
    "RUM": "ROM",
    "HSD": "HSG",
}


def _parse() -> dict[str, CowState]:
    out = {}
    for line in _TABLE.strip().splitlines():
        ccode, abb, name, countries, point = line.split("|")
        pt = tuple(float(v) for v in point.split(",")) if point else None
        out[abb] = CowState(int(ccode), abb, name, tuple(countries.split()), pt)  # type: ignore[arg-type]
    return out


#: stateabb -> :class:`CowState`.
COW: dict[str, CowState] = _parse()
_BY_CCODE = {s.ccode: s for s in COW.values()}


def lookup(code: str | None = None, ccode: int | None = None) -> CowState | None:
    """The COW state of an abbreviation (or alias) or a ccode; ``None`` when unknown.

    Examples
    --------
    >>> lookup("AUH").countries
    ('AUT', 'HUN')
    >>> lookup("SRB").ccode, lookup(ccode=365).stateabb
    (345, 'RUS')
    """
    if ccode is not None and int(ccode) in _BY_CCODE:
        return _BY_CCODE[int(ccode)]
    if code is None:
        return None
    code = str(code).upper()
    return COW.get(code) or COW.get(ALIASES.get(code, ""))


def ccode_of(code: str) -> int | None:
    """The COW state number of an abbreviation, or ``None``."""
    s = lookup(code)
    return s.ccode if s else None


def countries_of(code: str, ccode: int | None = None) -> tuple[str, ...]:
    """Present-day countries (ISO alpha-3) for a state code (or its ccode), ``()`` when unknown."""
    s = lookup(code, ccode)
    return s.countries if s else ()
