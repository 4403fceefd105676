% rebase('base.tpl')
<h1>{{_('page.board')}}</h1>
<p class="hint">{{_('board.intro')}}</p>
<div class="grid handsets" data-live="/api/handsets">
% for h in board['handsets']:
% ext = extensions.get(h['port'])
<section class="card handset" data-port="{{h['port']}}" id="handset-{{h['port']}}">
<h2>FXS {{h['port']}} · {{ext.number if ext else ''}} {{ext.display_name if ext else ''}}</h2>
<p class="screen"><span class="hook" data-field="hook">{{_('board.off_hook') if h.get('off_hook') else _('board.on_hook')}}</span>
<span class="ring" data-field="ringing">{{_('board.ringing') if h.get('ringing') else ''}}</span>
<span class="mwi" data-field="mwi">{{_('board.mwi') if h.get('mwi') else ''}}</span></p>
<p class="screen small" data-field="display">
% for d in h.get('display', [])[-1:]:
{{d['number']}} {{d['name']}}
% end
</p>
<p class="screen small" data-field="hearing">
% hz = (h.get('hearing') or {}).get('frequency_hz')
{{(str(hz) + ' Hz') if hz else ''}}
</p>
<div class="row">
<button type="button" data-handset="off-hook" id="offhook-{{h['port']}}">{{_('board.lift')}}</button>
<button type="button" data-handset="on-hook" id="onhook-{{h['port']}}">{{_('board.hang_up')}}</button>
<button type="button" data-handset="flash" id="flash-{{h['port']}}">{{_('board.flash')}}</button>
</div>
<div class="keypad">
% for k in '123456789*0#':
<button type="button" data-key="{{k}}" class="key">{{k}}</button>
% end
</div>
<div class="row"><input class="dial-input" aria-label="{{_('board.digits')}}" inputmode="tel" pattern="[0-9*#]*" id="digits-{{h['port']}}">
<button type="button" data-handset="press" id="press-{{h['port']}}">{{_('board.dial')}}</button></div>
</section>
% end
% for port in board['lines']:
<section class="card line" data-line="{{port}}" id="line-{{port}}">
<h2>{{_('board.exchange')}} · FXO {{port}}</h2>
<div class="stack">
<label>{{_('board.caller_number')}} <input class="cid-number" value="0301234567" inputmode="tel"></label>
<label>{{_('board.caller_name')}} <input class="cid-name" value="" maxlength="32"></label>
<div class="row"><button type="button" data-line-action="ring" id="ring-{{port}}">{{_('board.ring')}}</button>
<button type="button" data-line-action="hangup" id="far-hangup-{{port}}">{{_('board.far_hangup')}}</button></div>
</div>
</section>
% end
</div>
<p id="board-result" role="status" class="result"></p>
