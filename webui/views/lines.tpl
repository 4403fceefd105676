% rebase('base.tpl')
% if refresh:
<meta http-equiv="refresh" content="5">
% end
<h1>{{_('page.lines')}}</h1>
<p>{{_('lines.intro')}}</p>
% if error:
<p class="alarm" id="lines-error">{{error}}</p>
% end
% for line in lines:
% cal = line['calibration']
% res = cal['result']
<section class="card" id="line-{{line['port']}}">
<h2>{{_('lines.line')}} {{line['port']}}</h2>
<dl class="facts">
<dt>{{_('lines.disconnect')}}</dt><dd>{{', '.join(line['config'].disconnect)}}</dd>
<dt>{{_('lines.acim')}}</dt><dd>{{line['config'].acim if line['config'].acim is not None else _('lines.country_default')}}</dd>
<dt>{{_('lines.caller_id')}}</dt><dd>{{line['config'].caller_id}}</dd>
</dl>
<form method="post" action="/lines/{{line['port']}}/calibrate">
<input type="hidden" name="csrf" value="{{csrf}}">
<label>{{_('lines.number')}} <input name="number" value="{{line['config'].calibration_number}}" inputmode="tel"></label>
<label>{{_('lines.incoming')}} <input name="incoming" value="0" inputmode="numeric" size="4"></label>
<button type="submit" class="primary" {{'disabled' if cal['running'] else ''}}>{{_('lines.calibrate')}}</button>
</form>
% if cal['running']:
<p class="st st-ringing" id="cal-running-{{line['port']}}">{{_('lines.running')}}</p>
% end
% if res:
<h3>{{_('lines.result')}} {{_('lines.saved') if cal['saved'] else ''}}</h3>
% if res['error']:
<p class="alarm">{{res['error']}}</p>
% end
<dl class="facts">
<dt>{{_('lines.disconnect')}}</dt><dd>{{', '.join(res['disconnect_methods'])}}</dd>
<dt>{{_('lines.acim')}}</dt><dd>{{res['acim']}}</dd>
<dt>{{_('lines.caller_id')}}</dt><dd>{{res['caller_id'] or '-'}}</dd>
</dl>
<h4>{{_('lines.evidence')}}</h4>
<ul class="evidence" id="evidence-{{line['port']}}">
% for item in res['evidence']:
<li>{{item}}</li>
% end
</ul>
% end
</section>
% end
