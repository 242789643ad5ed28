<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdminPanel</name>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="237"/>
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="268"/>
        <source>No payment needs attention.</source>
        <translation>没有需要处理的缴费。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="271"/>
        <source>PAYMENTS REFUSED: the journal cannot vouch for its payments.</source>
        <translation>已停止收款：交易日志无法保证其中的支付记录完整。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="278"/>
        <source>No receipt is waiting to be printed.</source>
        <translation>没有等待打印的凭条。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="286"/>
        <source>HIS: connected, answered in %1 ms</source>
        <translation>HIS：已连接，响应 %1 毫秒</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="290"/>
        <source>HIS: NOT reachable</source>
        <translation>HIS：无法连接</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="295"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="307"/>
        <source>Test print</source>
        <translation>测试打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="311"/>
        <source>Paper replaced</source>
        <translation>已换纸</translation>
    </message>
    <message numerus="yes">
        <location filename="../../kiosk/ui/admin/panel.py" line="320"/>
        <source>%n min ago</source>
        <translation>
            <numerusform>%n 分钟前</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="326"/>
        <source>Retry settle</source>
        <translation>重试入账</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="331"/>
        <source>Mark refunded</source>
        <translation>标记已退款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="333"/>
        <source>Tap again: money returned?</source>
        <translation>再按一次：确认钱已退回？</translation>
    </message>
    <message numerus="yes">
        <location filename="../../kiosk/ui/admin/panel.py" line="339"/>
        <source>%n attempt(s)</source>
        <translation>
            <numerusform>已尝试 %n 次</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="344"/>
        <source>Reprint</source>
        <translation>重新打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="351"/>
        <source>Voice volume: %1%</source>
        <translation>语音音量：%1%</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="356"/>
        <source>Language a session starts in: %1</source>
        <translation>每次服务的默认语言：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="363"/>
        <source>The kiosk program</source>
        <translation>自助机程序</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="365"/>
        <source>Restart</source>
        <translation>重新启动</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="367"/>
        <source>Tap again to restart</source>
        <translation>再按一次以重新启动</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="371"/>
        <source>Leave to desktop</source>
        <translation>退出到桌面</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="373"/>
        <source>Tap again to leave</source>
        <translation>再按一次以退出</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="389"/>
        <source>That did not work (%1). The log has the details.</source>
        <translation>操作未成功（%1）。详情见日志。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="400"/>
        <source>Maintenance</source>
        <translation>维护</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="403"/>
        <source>maintenance staff</source>
        <translation>维护人员</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="404"/>
        <source>Signed in: %1</source>
        <translation>已登录：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="405"/>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="407"/>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="408"/>
        <source>Payments</source>
        <translation>缴费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="409"/>
        <source>Print queue</source>
        <translation>打印队列</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="410"/>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="411"/>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="412"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="430"/>
        <source>Receipt printer</source>
        <translation>凭条打印机</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="431"/>
        <source>Report printer</source>
        <translation>报告打印机</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="432"/>
        <source>ID card reader</source>
        <translation>身份证读卡器</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="433"/>
        <source>Visit card reader</source>
        <translation>就诊卡读卡器</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="434"/>
        <source>QR code scanner</source>
        <translation>扫码器</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="435"/>
        <source>Bank card terminal</source>
        <translation>银行卡终端</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="442"/>
        <source>working</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="443"/>
        <source>busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="444"/>
        <source>needs attention</source>
        <translation>需要处理</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="445"/>
        <source>NOT working</source>
        <translation>故障</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="446"/>
        <source>NOT connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="453"/>
        <source>paper running low</source>
        <translation>纸将用完</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="454"/>
        <source>paper out</source>
        <translation>缺纸</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="455"/>
        <source>cover open</source>
        <translation>机盖打开</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="456"/>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="457"/>
        <source>does not answer</source>
        <translation>无响应</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="458"/>
        <source>printer error</source>
        <translation>打印机错误</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="459"/>
        <source>unexpected reply</source>
        <translation>应答异常</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="460"/>
        <source>software missing</source>
        <translation>缺少软件</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="461"/>
        <source>needs recovery</source>
        <translation>需要恢复</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="462"/>
        <source>receipts waiting to be reprinted</source>
        <translation>有凭条等待补打</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="463"/>
        <source>not started</source>
        <translation>未启动</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="470"/>
        <source>order created</source>
        <translation>订单已创建</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="471"/>
        <source>waiting for the patient</source>
        <translation>等待患者支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="472"/>
        <source>PAID, not yet settled with the HIS</source>
        <translation>已付款，HIS 尚未入账</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="473"/>
        <source>refund pending</source>
        <translation>待退款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="485"/>
        <source>{role}: the test page printed.</source>
        <translation>{role}：测试页已打印。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="486"/>
        <source>{role} has paper and is ready. Receipts waiting to be reprinted: {reprints}.</source>
        <translation>{role}有纸，已就绪。等待补打的凭条：{reprints}。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="489"/>
        <source>{role} works, but the paper is running low. Receipts waiting: {reprints}.</source>
        <translation>{role}可以使用，但纸将用完。等待补打：{reprints}。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="492"/>
        <source>{role} still reports no paper. Check the roll and close the cover.</source>
        <translation>{role}仍报告缺纸。请检查纸卷并合上机盖。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="495"/>
        <source>{role} has no paper: nothing was printed.</source>
        <translation>{role}缺纸：未打印。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="496"/>
        <source>{role}: the cover is open, nothing was printed.</source>
        <translation>{role}：机盖打开，未打印。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="497"/>
        <source>{role} is not ready: {detail}</source>
        <translation>{role}未就绪：{detail}</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="498"/>
        <source>{role} has paper but reports a fault: {detail}</source>
        <translation>{role}有纸，但报告故障：{detail}</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="499"/>
        <source>{role} is not connected: {detail}</source>
        <translation>{role}未连接：{detail}</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="500"/>
        <source>No device is configured as {role}.</source>
        <translation>没有配置{role}。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="501"/>
        <source>{role} is not a printer.</source>
        <translation>{role}不是打印机。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="502"/>
        <source>{role}: printing failed (code {code}): {detail}</source>
        <translation>{role}：打印失败（代码 {code}）：{detail}</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="503"/>
        <source>{role} did not answer within {seconds} s; it may still print.</source>
        <translation>{role}在 {seconds} 秒内没有应答；可能稍后仍会打印。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="506"/>
        <source>{role} did not report its status within {seconds} s.</source>
        <translation>{role}在 {seconds} 秒内没有报告状态。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="509"/>
        <source>The payment service is not running.</source>
        <translation>缴费服务未运行。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="510"/>
        <source>There is no payment {payment}.</source>
        <translation>没有缴费记录 {payment}。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="511"/>
        <source>A patient or the resolver is working on this payment now. Try again shortly.</source>
        <translation>患者或后台正在处理这笔缴费，请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="514"/>
        <source>Payment {payment} is settled with the HIS. Receipt: {receipt}</source>
        <translation>缴费 {payment} 已在 HIS 入账。收据号：{receipt}</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="517"/>
        <source>Payment {payment} went back to the payer.</source>
        <translation>缴费 {payment} 已退还给付款人。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="518"/>
        <source>Payment {payment}: a refund is due and not done yet: {error}</source>
        <translation>缴费 {payment}：应退款，尚未完成：{error}</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="521"/>
        <source>Payment {payment}: the HIS has still not taken it ({error}). The kiosk keeps trying.</source>
        <translation>缴费 {payment}：HIS 仍未入账（{error}）。自助机会继续重试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="524"/>
        <source>Payment {payment}: the order is still open ({state}).</source>
        <translation>缴费 {payment}：订单仍未结束（{state}）。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="525"/>
        <source>Payment {payment} ended without money kept ({state}).</source>
        <translation>缴费 {payment} 已结束，未留存款项（{state}）。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="528"/>
        <source>Payment {payment} is already finished ({state}).</source>
        <translation>缴费 {payment} 已经完成（{state}）。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="529"/>
        <source>Payment {payment} ({amount}) is recorded as refunded by hand.</source>
        <translation>缴费 {payment}（{amount}）已记录为人工退款。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="532"/>
        <source>Not marked: payment {payment} is already finished ({state}).</source>
        <translation>未标记：缴费 {payment} 已经完成（{state}）。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="535"/>
        <source>Not marked: payment {payment} is an open order; it is cancelled, not refunded.</source>
        <translation>未标记：缴费 {payment} 是未完成的订单，应取消而不是退款。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="538"/>
        <source>Not marked: payment {payment} changed meanwhile ({state}). Look again.</source>
        <translation>未标记：缴费 {payment} 状态已变化（{state}）。请重新查看。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="541"/>
        <source>The receipt printed again.</source>
        <translation>凭条已重新打印。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="542"/>
        <source>There is no such print job.</source>
        <translation>没有这个打印任务。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="543"/>
        <source>That receipt has printed already; it is not printed twice.</source>
        <translation>这张凭条已经打印过，不会重复打印。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="546"/>
        <source>Saved: volume {volume}, sessions start in {locale}.</source>
        <translation>已保存：音量 {volume}，默认语言 {locale}。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="547"/>
        <source>The volume must be between 0 and 100%.</source>
        <translation>音量必须在 0 到 100% 之间。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="548"/>
        <source>Unknown language.</source>
        <translation>未知语言。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/panel.py" line="549"/>
        <source>That did not work (code {code}): {detail}</source>
        <translation>操作未成功（代码 {code}）：{detail}</translation>
    </message>
</context>
<context>
    <name>BusyScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="338"/>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
</context>
<context>
    <name>DemoPanelWindow</name>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="115"/>
        <source>Demo devices</source>
        <translation>演示设备</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="116"/>
        <source>Act as the patient</source>
        <translation>模拟患者操作</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="117"/>
        <source>Device status</source>
        <translation>设备状态</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="120"/>
        <source>Insert ID card %1</source>
        <translation>放入身份证 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="121"/>
        <source>Remove ID card</source>
        <translation>取走身份证</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="122"/>
        <source>Swipe visit card</source>
        <translation>刷就诊卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="123"/>
        <source>Scan health code</source>
        <translation>扫健康码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="124"/>
        <source>Scan payment code</source>
        <translation>扫付款码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="125"/>
        <source>Scan insurance e-voucher</source>
        <translation>扫医保电子凭证</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="126"/>
        <source>Scan report slip</source>
        <translation>扫报告取单条码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="127"/>
        <source>Put paper back</source>
        <translation>装回打印纸</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="127"/>
        <source>Take the paper out</source>
        <translation>取出打印纸（缺纸）</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="128"/>
        <source>Card terminal answers:</source>
        <translation>银行卡终端应答：</translation>
    </message>
</context>
<context>
    <name>ErrorScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="94"/>
        <source>Service interrupted</source>
        <translation>服务中断</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="97"/>
        <source>Error code: %1</source>
        <translation>错误代码：%1</translation>
    </message>
</context>
<context>
    <name>FlowScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="221"/>
        <source>Back</source>
        <translation>返回上一步</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="222"/>
        <source>Home</source>
        <translation>返回首页</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="223"/>
        <source>Repeat</source>
        <translation>再听一遍</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="230"/>
        <source>Step %1 of %2</source>
        <translation>第 %1 步，共 %2 步</translation>
    </message>
</context>
<context>
    <name>GoodbyeScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="70"/>
        <source>Thank you!</source>
        <translation>谢谢使用！</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="71"/>
        <source>Please take your card, receipt and belongings.</source>
        <translation>请取走您的卡片、凭条和随身物品。</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="172"/>
        <source>Please touch the service you need</source>
        <translation>请点击您要办理的业务</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="174"/>
        <source>Self-service is not available at this kiosk yet. Please go to the service counter.</source>
        <translation>本机暂未开通自助服务，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="178"/>
        <source>Book a doctor for today or the next 7 days</source>
        <translation>当日挂号，或预约未来 7 天</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="179"/>
        <source>Booked already? Check in and get your number</source>
        <translation>已预约？签到并取号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="180"/>
        <source>Tests, medicine and treatment</source>
        <translation>检查、药品和治疗费用</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="181"/>
        <source>Lab and imaging reports</source>
        <translation>检验、检查报告</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="190"/>
        <source>Large text</source>
        <translation>长辈模式</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="202"/>
        <source>ddd d MMM  HH:mm</source>
        <translation>M月d日 dddd  HH:mm</translation>
    </message>
</context>
<context>
    <name>IdentifyScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="389"/>
        <source>Place your ID card on the reader</source>
        <translation>请将身份证放在读卡区</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="390"/>
        <source>Swipe your visit or insurance card</source>
        <translation>请刷就诊卡或医保卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="391"/>
        <source>Show your health code to the scanner</source>
        <translation>请将健康码对准扫码口</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="396"/>
        <source>Type my visit card number</source>
        <translation>手动输入就诊卡号</translation>
    </message>
</context>
<context>
    <name>IdleWarningOverlay</name>
    <message>
        <location filename="../../kiosk/ui/idle_overlay.py" line="69"/>
        <source>Are you still there?</source>
        <translation>您还在吗？</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/idle_overlay.py" line="70"/>
        <source>I need more time</source>
        <translation>我还需要时间</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/idle_overlay.py" line="71"/>
        <source>End now</source>
        <translation>结束操作</translation>
    </message>
    <message numerus="yes">
        <location filename="../../kiosk/ui/idle_overlay.py" line="76"/>
        <source>To protect your privacy, this session ends in %n second(s).</source>
        <translation>
            <numerusform>为保护您的隐私，本次操作将在 %n 秒后结束。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>KeypadScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="446"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="447"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>ListScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="561"/>
        <source>Previous</source>
        <translation>上一页</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="562"/>
        <source>More</source>
        <translation>下一页</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="566"/>
        <source>Page %1 of %2</source>
        <translation>第 %1 页，共 %2 页</translation>
    </message>
</context>
<context>
    <name>MessageScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="280"/>
        <source>Error code: %1</source>
        <translation>错误代码：%1</translation>
    </message>
</context>
<context>
    <name>PinPad</name>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="144"/>
        <source>Maintenance sign-in</source>
        <translation>维护登录</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="146"/>
        <source>Enter your staff number</source>
        <translation>请输入工号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="150"/>
        <source>Staff number %1: enter your PIN</source>
        <translation>工号 %1：请输入密码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="152"/>
        <source>Enter the maintenance PIN</source>
        <translation>请输入维护密码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="157"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="159"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="162"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="163"/>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="163"/>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="177"/>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../kiosk/ui/admin/login.py" line="180"/>
        <source>Wrong staff number or PIN. %n more tries before a lockout.</source>
        <translation>
            <numerusform>工号或密码错误。再错 %n 次将锁定。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="183"/>
        <source>The PIN has at least %1 digits.</source>
        <translation>密码至少 %1 位数字。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="185"/>
        <source>Too many wrong PINs: sign-in is locked until %1.</source>
        <translation>密码错误次数过多：登录已锁定至 %1。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/admin/login.py" line="187"/>
        <source>The PIN could not be checked. Please try again.</source>
        <translation>无法验证密码，请重试。</translation>
    </message>
</context>
<context>
    <name>QrPaymentScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="828"/>
        <source>Time left: %1:%2</source>
        <translation>剩余时间：%1:%2</translation>
    </message>
</context>
<context>
    <name>SearchScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="687"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message numerus="yes">
        <location filename="../../kiosk/ui/screens/flow.py" line="694"/>
        <source>%n more: type another letter</source>
        <translation>
            <numerusform>还有 %n 个：请再输入一个字母</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ServiceNames</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="67"/>
        <source>Registration</source>
        <translation>挂号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="68"/>
        <source>Check-in</source>
        <translation>预约签到</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="69"/>
        <source>Pay bills</source>
        <translation>缴费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="70"/>
        <source>Print reports</source>
        <translation>报告打印</translation>
    </message>
</context>
<context>
    <name>TimedScreenTexts</name>
    <message numerus="yes">
        <location filename="../../kiosk/ui/screens/goodbye.py" line="21"/>
        <source>Returning to the home screen in %n second(s)</source>
        <translation>
            <numerusform>%n 秒后返回首页</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="24"/>
        <source>Back to home</source>
        <translation>返回首页</translation>
    </message>
</context>
<context>
    <name>VoiceControl</name>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="71"/>
        <location filename="../../kiosk/ui/voice_button.py" line="390"/>
        <source>Listening…</source>
        <translation>正在听…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="73"/>
        <source>Tap to speak</source>
        <translation>点击说话</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="137"/>
        <location filename="../../kiosk/ui/voice_button.py" line="480"/>
        <source>You said: %1</source>
        <translation>您说：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="138"/>
        <source>Do you want to do this?</source>
        <translation>确定要这样做吗？</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="139"/>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="140"/>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="415"/>
        <source>Please tap Yes or No.</source>
        <translation>请点击“是”或“否”。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="421"/>
        <source>I heard nothing. Tap the button, then speak.</source>
        <translation>没有听到声音。请点击按钮后再说。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="425"/>
        <source>Voice commands are not working right now. Please tap the screen.</source>
        <translation>语音功能暂时无法使用，请点击屏幕操作。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="433"/>
        <source>Sorry, I did not understand. Please say it again, or tap the screen.</source>
        <translation>抱歉，没有听懂。请再说一遍，或点击屏幕。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="492"/>
        <source>Not done.</source>
        <translation>已取消，未执行。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="496"/>
        <source>Which one? %1. Please say a bit more, or the number.</source>
        <translation>哪一个？%1。请再说详细一点，或者说第几个。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/voice_button.py" line="503"/>
        <source>Say the name or the number of a choice, or &quot;back&quot; or &quot;cancel&quot;.</source>
        <translation>请说出选项的名称或序号（如“第一个”），也可以说“返回”或“取消”。</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <location filename="../../kiosk/errors.py" line="26"/>
        <location filename="../../kiosk/payments/errors.py" line="99"/>
        <location filename="../../kiosk/payments/errors.py" line="108"/>
        <source>Sorry, this kiosk cannot continue. Please go to the service counter.</source>
        <translation>抱歉，本机暂时无法继续服务，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/errors.py" line="39"/>
        <location filename="../../kiosk/payments/errors.py" line="22"/>
        <source>Sorry, something went wrong and your session was ended. If you have paid, the payment is recorded and will be settled or refunded. Please try again or go to the service counter.</source>
        <translation>抱歉，出现问题，本次操作已结束。如您已付款，款项已记录，将为您完成结算或退款。请重试或到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="16"/>
        <source>Sorry, a device in this kiosk is not working. Please go to the service counter.</source>
        <translation>抱歉，本机设备暂时无法使用，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="43"/>
        <source>Sorry, that took too long. Please try again.</source>
        <translation>抱歉，操作超时，请重试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="48"/>
        <source>The device is busy. Please wait a moment and try again.</source>
        <translation>设备正忙，请稍候再试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="77"/>
        <source>Sorry, the receipt printer is not ready. Nothing has been charged. Please go to the service counter.</source>
        <translation>抱歉，凭条打印机未就绪，本次未扣费。请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="86"/>
        <source>Sorry, your receipt could not be printed. It has been saved; the service counter can print it.</source>
        <translation>抱歉，凭条未能打印，已为您保存，可到人工服务窗口补打。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="93"/>
        <source>Sorry, your report could not be printed. Please collect it at the service counter.</source>
        <translation>抱歉，报告未能打印，请到人工服务窗口领取。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="100"/>
        <source>The card could not be read. Please remove it and try again.</source>
        <translation>未能读取卡片，请取出后重试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="105"/>
        <source>Sorry, card payment is not available right now. Please choose another way to pay.</source>
        <translation>抱歉，银行卡支付暂不可用，请选择其他支付方式。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="19"/>
        <source>Sorry, the hospital system could not complete your request. Please go to the service counter.</source>
        <translation>抱歉，医院系统未能完成您的请求，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="28"/>
        <source>We could not find your record. Please check your card or ask at the counter.</source>
        <translation>未找到您的就诊记录，请检查卡片或到人工服务窗口咨询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="37"/>
        <location filename="../../kiosk/payments/errors.py" line="33"/>
        <source>That choice was just taken or changed. Please choose again.</source>
        <translation>您选择的内容刚刚已被占用或发生变化，请重新选择。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="44"/>
        <source>The hospital system did not accept this request.</source>
        <translation>医院系统未受理此请求。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="55"/>
        <source>More than one record matches your card. Please go to the service counter.</source>
        <translation>您的卡片对应多条记录，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="65"/>
        <source>Sessions with a registration fee cannot be booked at this kiosk. Please register at the counter.</source>
        <translation>本机不能预约需要挂号费的号源，请到人工窗口挂号。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="75"/>
        <source>The hospital system is not responding right now. Please try again in a few minutes.</source>
        <translation>医院系统暂时无响应，请几分钟后再试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/payments/errors.py" line="41"/>
        <source>An earlier payment for these bills is still being completed. Please wait a minute and try again.</source>
        <translation>这些费用的上一笔支付仍在处理中，请稍等一分钟后再试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/payments/errors.py" line="80"/>
        <source>Sorry, this way of paying is not available right now. Please choose another way to pay.</source>
        <translation>抱歉，该支付方式暂不可用，请选择其他支付方式。</translation>
    </message>
    <message>
        <location filename="../../kiosk/payments/errors.py" line="118"/>
        <source>Payments are not available at this kiosk right now. Please pay at the service counter.</source>
        <translation>本机暂时无法缴费，请到人工窗口缴费。</translation>
    </message>
</context>
<context>
    <name>flows</name>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="65"/>
        <source>Yes, that is me</source>
        <translation>是我本人</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="66"/>
        <source>No</source>
        <translation>不是</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="90"/>
        <location filename="../../kiosk/flows/identify.py" line="67"/>
        <location filename="../../kiosk/flows/payment.py" line="84"/>
        <location filename="../../kiosk/flows/registration.py" line="160"/>
        <location filename="../../kiosk/flows/reports.py" line="163"/>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="191"/>
        <source>Looking up your record…</source>
        <translation>正在查询您的就诊记录…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="199"/>
        <source>Hello, %1. Is this you?</source>
        <translation>您好，%1。请确认是否为您本人？</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="200"/>
        <source>Please confirm</source>
        <translation>请确认身份</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="204"/>
        <source>There is no record for this ID card yet. Create one now with the card&apos;s details?</source>
        <translation>此身份证尚未建档。是否使用身份证信息立即建档？</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="208"/>
        <source>Create my record</source>
        <translation>立即建档</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="209"/>
        <source>Not now</source>
        <translation>暂不建档</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="210"/>
        <source>New patient</source>
        <translation>新患者建档</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="217"/>
        <source>Creating your record…</source>
        <translation>正在为您建档…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="222"/>
        <source>We could not find your record. Check the number, or use your ID card instead.</source>
        <translation>未找到您的就诊记录。请核对卡号，或改用身份证。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="224"/>
        <source>Not found</source>
        <translation>未找到记录</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="228"/>
        <source>More than one record matches. To keep your records apart, please go to the counter.</source>
        <translation>查到多条匹配记录。为避免信息混淆，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="380"/>
        <location filename="../../kiosk/flows/identify.py" line="232"/>
        <source>Please go to the counter</source>
        <translation>请到人工窗口办理</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="95"/>
        <location filename="../../kiosk/flows/identify.py" line="237"/>
        <source>The hospital system is not answering. Try again, or go to the counter if it keeps failing.</source>
        <translation>医院系统暂无响应。请重试；如仍失败，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="89"/>
        <location filename="../../kiosk/flows/pay.py" line="109"/>
        <location filename="../../kiosk/flows/payment.py" line="83"/>
        <location filename="../../kiosk/flows/registration.py" line="159"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="91"/>
        <source>Check in anyway</source>
        <translation>仍然签到</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="92"/>
        <location filename="../../kiosk/flows/pay.py" line="108"/>
        <location filename="../../kiosk/flows/payment.py" line="86"/>
        <location filename="../../kiosk/flows/registration.py" line="161"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="225"/>
        <source>Looking up today&apos;s appointments…</source>
        <translation>正在查询您今天的预约…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="238"/>
        <location filename="../../kiosk/flows/checkin.py" line="318"/>
        <location filename="../../kiosk/flows/identify.py" line="241"/>
        <location filename="../../kiosk/flows/payment.py" line="221"/>
        <location filename="../../kiosk/flows/registration.py" line="420"/>
        <location filename="../../kiosk/flows/registration.py" line="495"/>
        <location filename="../../kiosk/flows/registration.py" line="667"/>
        <location filename="../../kiosk/flows/reports.py" line="304"/>
        <source>Please wait</source>
        <translation>请稍候</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="242"/>
        <source>No appointment today</source>
        <translation>今天没有预约</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="244"/>
        <source>You have no appointment booked for today. To see a doctor today, choose Registration on the home screen, or ask at the counter.</source>
        <translation>您今天没有预约。如需今天就诊，请在首页选择“挂号”，或到人工服务窗口咨询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="266"/>
        <location filename="../../kiosk/flows/registration.py" line="563"/>
        <source>Checking the ticket printer…</source>
        <translation>正在检查凭条打印机…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="277"/>
        <source>The ticket printer has run out of paper. You can still check in: your queue number will be shown on this screen, and staff at the counter can tell you it too.</source>
        <translation>凭条打印机缺纸。您仍可签到：排队号会显示在屏幕上，也可向人工窗口查询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="285"/>
        <source>The ticket printer is not working right now. You can still check in: your queue number will be shown on this screen, and staff at the counter can tell you it too.</source>
        <translation>凭条打印机暂时无法使用。您仍可签到：排队号会显示在屏幕上，也可向人工窗口查询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="291"/>
        <location filename="../../kiosk/flows/registration.py" line="590"/>
        <source>No ticket can be printed</source>
        <translation>无法打印凭条</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="301"/>
        <source>Checking you in…</source>
        <translation>正在为您签到…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="329"/>
        <source>It is too early to check in for your appointment at %1, which starts at %2. Please come back at %3.
The hospital system says: %4</source>
        <translation>您在%1的预约于 %2 开始，现在签到还太早。请于 %3 再来。
医院系统提示：%4</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="338"/>
        <source>It is too early to check in for your appointment at %1, which starts at %2. Please come back a little later.
The hospital system says: %3</source>
        <translation>您在%1的预约于 %2 开始，现在签到还太早。请稍后再来。
医院系统提示：%3</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="345"/>
        <source>Too early to check in</source>
        <translation>签到时间未到</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="355"/>
        <source>The time of your appointment at %1 (%2) has passed, so the kiosk cannot check you in. Please go to the counter: the staff there will help you.</source>
        <translation>您在%1（%2）的预约时间已过，本机无法为您签到。请到人工服务窗口，工作人员会为您办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="364"/>
        <source>The hospital system did not accept the check-in for your appointment at %1 (%2). Please go to the counter: the staff there will help you.
The hospital system says: %3</source>
        <translation>医院系统未受理您在%1（%2）预约的签到。请到人工服务窗口，工作人员会为您办理。
医院系统提示：%3</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="373"/>
        <source>The hospital system did not accept the check-in for your appointment at %1 (%2). Please go to the counter: the staff there will help you.</source>
        <translation>医院系统未受理您在%1（%2）预约的签到。请到人工服务窗口，工作人员会为您办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="388"/>
        <location filename="../../kiosk/flows/registration.py" line="723"/>
        <source>Printing your ticket…</source>
        <translation>正在打印凭条…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="404"/>
        <source>You are checked in</source>
        <translation>签到成功</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="407"/>
        <source>Please take your ticket and wait until your number is called at %1.</source>
        <translation>请取走凭条，在%1等候叫号。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="411"/>
        <source>Checked in, ticket not printed</source>
        <translation>已签到，凭条未打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="413"/>
        <source>Please remember your number and wait until it is called at %1. The counter can print your ticket again.</source>
        <translation>请记住您的号码，在%1等候叫号。人工窗口可为您补打凭条。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="421"/>
        <source>Checked in without a ticket</source>
        <translation>已签到（未打印凭条）</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="423"/>
        <source>Please remember your number and wait until it is called at %1. The counter can tell you your number too.</source>
        <translation>请记住您的号码，在%1等候叫号。也可向人工窗口查询号码。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="431"/>
        <source>Please wait until you are called at %1.</source>
        <translation>请在%1等候叫号。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="432"/>
        <location filename="../../kiosk/flows/registration.py" line="771"/>
        <source>No. %1</source>
        <translation>%1号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="445"/>
        <source>Tap the appointment you are here for.</source>
        <translation>请点击您本次要签到的预约。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="448"/>
        <source>You are already checked in for today&apos;s appointments.</source>
        <translation>您今天的预约均已签到。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="450"/>
        <source>Today&apos;s appointments</source>
        <translation>今日预约</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="464"/>
        <location filename="../../kiosk/flows/payment.py" line="378"/>
        <location filename="../../kiosk/flows/payment.py" line="383"/>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="467"/>
        <source>Checked in, No. %1</source>
        <translation>已签到，%1号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="469"/>
        <source>Checked in</source>
        <translation>已签到</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="471"/>
        <source>Doctor: %1</source>
        <translation>医生：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="473"/>
        <location filename="../../kiosk/flows/registration.py" line="862"/>
        <source>General clinic</source>
        <translation>普通门诊</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="249"/>
        <source>Who are you?</source>
        <translation>请先识别身份</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="253"/>
        <source>Type your visit card number</source>
        <translation>请输入就诊卡号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="254"/>
        <location filename="../../kiosk/flows/reports.py" line="162"/>
        <location filename="../../kiosk/flows/reports.py" line="164"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="256"/>
        <source>Visit card number</source>
        <translation>就诊卡号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/checkin.py" line="93"/>
        <location filename="../../kiosk/flows/identify.py" line="260"/>
        <location filename="../../kiosk/flows/pay.py" line="110"/>
        <location filename="../../kiosk/flows/payment.py" line="87"/>
        <location filename="../../kiosk/flows/registration.py" line="167"/>
        <source>One moment</source>
        <translation>请稍候</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="267"/>
        <source>The card could not be read. Please take it out and try again.</source>
        <translation>无法读取卡片，请取出后重试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="268"/>
        <source>That is not a health code. Please show your health code or card.</source>
        <translation>这不是健康码，请出示健康码或卡片。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="166"/>
        <source>Your reports</source>
        <translation>您的报告</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="167"/>
        <source>Printing</source>
        <translation>正在打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="278"/>
        <source>Looking for your reports…</source>
        <translation>正在查询您的报告…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="296"/>
        <source>The hospital system is not answering, so your reports cannot be shown right now. Try again, or go to the counter if it keeps failing.</source>
        <translation>医院系统暂无响应，暂时无法显示您的报告。请重试；如仍失败，请到人工服务窗口。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="316"/>
        <source>No reports to print</source>
        <translation>没有可打印的报告</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="330"/>
        <source>None of your reports is ready yet. The first is expected at %1; please come back then.</source>
        <translation>您的报告尚未出具，预计最早于 %1 出具，请届时再来。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="337"/>
        <source>None of your reports is ready yet. Please come back later, or ask at the counter when they will be ready.</source>
        <translation>您的报告尚未出具。请稍后再来，或到人工服务窗口询问出具时间。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="345"/>
        <source>Your reports have been printed already, or can only be collected at the counter. Please ask at the counter.</source>
        <translation>您的报告已打印过，或只能在人工窗口领取。请到人工服务窗口咨询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="352"/>
        <source>There are no reports for you yet. They are listed here once the doctor has issued them.</source>
        <translation>暂无您的报告。医生出具报告后会显示在这里。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="379"/>
        <source>Print (%1)</source>
        <translation>打印（%1）</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="382"/>
        <source>Choose the reports to print</source>
        <translation>请选择要打印的报告</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="402"/>
        <source>Checking the printer…</source>
        <translation>正在检查打印机…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="413"/>
        <source>The report printer is not ready, so nothing was printed. Please collect your reports at the counter.</source>
        <translation>报告打印机未就绪，未打印任何报告。请到人工服务窗口领取。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="420"/>
        <source>The printer is not available</source>
        <translation>打印机不可用</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="432"/>
        <source>Printing your reports…</source>
        <translation>正在打印您的报告…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="464"/>
        <source>Please take your reports from the tray below.</source>
        <translation>请从下方出纸口取走您的报告。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="465"/>
        <source>Your reports are printed</source>
        <translation>报告已打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="472"/>
        <source>Printed: %1. Please take them from the tray below. Not printed: %2. Please collect those at the counter.</source>
        <translation>已打印：%1，请从下方出纸口取走。未打印：%2，请到人工服务窗口领取。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="479"/>
        <source>Some reports were not printed</source>
        <translation>部分报告未打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="482"/>
        <source>Your reports could not be printed: %1. Please collect them at the counter.</source>
        <translation>以下报告未能打印：%1。请到人工服务窗口领取。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="487"/>
        <source>Nothing was printed</source>
        <translation>未打印任何报告</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="573"/>
        <source>Expected at %1</source>
        <translation>预计 %1 出具</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="575"/>
        <source>Expected time not known yet</source>
        <translation>出具时间待定</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="576"/>
        <source>Not ready yet</source>
        <translation>尚未出具</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="579"/>
        <source>Collect it at the counter</source>
        <translation>请到人工窗口领取</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="580"/>
        <source>At the counter</source>
        <translation>人工窗口领取</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="583"/>
        <source>More copies at the counter</source>
        <translation>更多副本请到人工窗口</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="586"/>
        <source>You may print one copy</source>
        <translation>可补打一份</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="589"/>
        <source>Ready since %1</source>
        <translation>%1 已出具</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="591"/>
        <source>Ready</source>
        <translation>已出具</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/reports.py" line="595"/>
        <source>Printed</source>
        <translation>已打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="106"/>
        <source>Cancel payment</source>
        <translation>取消支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="107"/>
        <source>Pay again</source>
        <translation>重新支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="113"/>
        <source>Scan a QR code with your phone</source>
        <translation>手机扫码支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="114"/>
        <source>Show your payment code</source>
        <translation>出示付款码</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="115"/>
        <source>Bank card</source>
        <translation>银行卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="118"/>
        <source>The payment was declined</source>
        <translation>支付未成功</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="119"/>
        <source>Payment cancelled</source>
        <translation>支付已取消</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="120"/>
        <source>Time ran out</source>
        <translation>支付已超时</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="123"/>
        <source>Enter your PIN on the card terminal. Amount: %1</source>
        <translation>请在银行卡终端输入密码。金额：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="124"/>
        <source>Processing the payment, please wait. Amount: %1</source>
        <translation>正在处理支付，请稍候。金额：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="125"/>
        <source>Please take your card from the terminal. Amount: %1</source>
        <translation>请从终端取回您的银行卡。金额：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="431"/>
        <source>Pay</source>
        <translation>支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="432"/>
        <source>Provider: %1</source>
        <translation>支付渠道：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="438"/>
        <source>How would you like to pay?</source>
        <translation>请选择支付方式</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="440"/>
        <source>Amount to pay: %1. Tap a payment method.</source>
        <translation>应付金额：%1。请点击一种支付方式。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="312"/>
        <source>Open the payment code in your wallet app and hold it under the scanner. Amount: %1</source>
        <translation>请打开手机钱包中的付款码，对准扫码口。金额：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="317"/>
        <source>Pay with your payment code</source>
        <translation>付款码支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="329"/>
        <source>Starting the payment…</source>
        <translation>正在发起支付…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="344"/>
        <source>Payments are not available at this kiosk</source>
        <translation>本机暂时无法缴费</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="346"/>
        <source>Nothing was charged, and your bills are still unpaid. Please pay at the service counter.</source>
        <translation>未扣任何费用，您的账单仍未缴。请到人工窗口缴费。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="352"/>
        <source>The payment could not be started</source>
        <translation>无法发起支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="354"/>
        <source>Nothing was charged, and your bills are still unpaid. Try again, or pay at the counter.</source>
        <translation>未产生任何扣款，您的费用仍未缴纳。请重试，或到人工窗口缴费。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="376"/>
        <source>Cancelling the payment… This can take up to 15 seconds.</source>
        <translation>正在取消支付…最长需要 15 秒。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="392"/>
        <source>Nothing was charged, and your bills are still unpaid. You can pay again, or stop.</source>
        <translation>未产生任何扣款，您的费用仍未缴纳。您可以重新支付，或结束操作。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="399"/>
        <source>Your money is being returned</source>
        <translation>款项正在退回</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="402"/>
        <source>Your bills changed while you were paying, so the hospital could not record this payment. Your money is being returned to your account. Reference for staff: %1</source>
        <translation>支付过程中您的费用发生了变化，医院无法记录本次支付，款项正在退回您的账户。工作人员查询编号：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="412"/>
        <source>Your payment is recorded</source>
        <translation>您的支付已记录</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="414"/>
        <source>The hospital system has not confirmed your payment yet. Staff will finish it: please do not pay again. For a receipt, go to the counter and give this reference: %1</source>
        <translation>医院系统尚未确认您的支付，工作人员会为您完成处理，请勿重复支付。如需凭条，请到人工窗口并提供此编号：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="456"/>
        <source>Scan to pay</source>
        <translation>扫码支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="460"/>
        <source>Scan the code with your wallet app and confirm the payment of %1.</source>
        <translation>请用手机钱包扫描二维码，并确认支付 %1。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="472"/>
        <source>Insert or tap your bank card at the card terminal and follow its instructions. Amount: %1</source>
        <translation>请在银行卡终端插卡或挥卡，并按提示操作。金额：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="477"/>
        <source>Pay by bank card</source>
        <translation>银行卡支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="481"/>
        <source>If your wallet app asks you to confirm, please confirm there. Amount: %1</source>
        <translation>如手机钱包提示确认，请在手机上确认。金额：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/pay.py" line="484"/>
        <source>Taking the payment…</source>
        <translation>正在扣款…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="85"/>
        <source>Pay without a receipt</source>
        <translation>不打印凭条继续支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="89"/>
        <location filename="../../kiosk/flows/registration.py" line="169"/>
        <source>The hospital system is not answering, and nothing was charged. Try again, or go to the counter if it keeps failing.</source>
        <translation>医院系统暂无响应，未产生任何扣款。请重试；如仍失败，请到人工服务窗口。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="206"/>
        <source>Looking up your unpaid bills…</source>
        <translation>正在查询您的待缴费用…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="225"/>
        <source>Nothing to pay</source>
        <translation>无待缴费用</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="226"/>
        <source>You have no unpaid bills. There is nothing to pay today.</source>
        <translation>您没有待缴费用，今天无需缴费。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="243"/>
        <location filename="../../kiosk/flows/registration.py" line="548"/>
        <source>Payment is not available here</source>
        <translation>本机暂不支持缴费</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="244"/>
        <source>This kiosk cannot take payments right now. Please pay at the counter.</source>
        <translation>本机暂时无法收费，请到人工窗口缴费。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="249"/>
        <source>Checking the receipt printer…</source>
        <translation>正在检查凭条打印机…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="260"/>
        <source>The receipt printer has run out of paper. You can still pay here and get your receipt at the counter afterwards, or stop and pay at the counter.</source>
        <translation>凭条打印机缺纸。您仍可在本机缴费，之后到人工窗口领取凭条；或结束操作，到人工窗口缴费。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="268"/>
        <source>The receipt printer is not working right now. You can still pay here and get your receipt at the counter afterwards, or stop and pay at the counter.</source>
        <translation>凭条打印机暂时无法使用。您仍可在本机缴费，之后到人工窗口领取凭条；或结束操作，到人工窗口缴费。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="274"/>
        <source>No receipt can be printed</source>
        <translation>无法打印凭条</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="304"/>
        <source>Printing your receipt…</source>
        <translation>正在打印凭条…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="320"/>
        <source>Payment complete</source>
        <translation>缴费成功</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="322"/>
        <source>You paid %1. Please take your receipt. Receipt number: %2</source>
        <translation>您已支付 %1，请取走凭条。票据号：%2</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="325"/>
        <source>Paid, receipt not printed</source>
        <translation>已缴费，凭条未打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="327"/>
        <source>You paid %1 and your bills are settled. The receipt could not be printed: the counter can print it for you. Receipt number: %2</source>
        <translation>您已支付 %1，费用已结清。凭条未能打印，可到人工窗口补打。票据号：%2</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="335"/>
        <source>Paid without a printed receipt</source>
        <translation>已缴费（未打印凭条）</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="337"/>
        <source>You paid %1 and your bills are settled. Get your receipt at the counter. Receipt number: %2</source>
        <translation>您已支付 %1，费用已结清。请到人工窗口领取凭条。票据号：%2</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="358"/>
        <source>Pay %1</source>
        <translation>支付 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="360"/>
        <source>Total %1 (%2 of %3 bills)</source>
        <translation>合计 %1（已选 %2 / 共 %3 笔）</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="364"/>
        <source>Your unpaid bills</source>
        <translation>您的待缴费用</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/payment.py" line="367"/>
        <source>All bills are selected. Tap a bill to leave it out or add it.</source>
        <translation>已全部选中。点击某笔费用可取消或重新选择。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="118"/>
        <source>Mon %1</source>
        <translation>周一 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="119"/>
        <source>Tue %1</source>
        <translation>周二 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="120"/>
        <source>Wed %1</source>
        <translation>周三 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="121"/>
        <source>Thu %1</source>
        <translation>周四 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="122"/>
        <source>Fri %1</source>
        <translation>周五 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="123"/>
        <source>Sat %1</source>
        <translation>周六 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="124"/>
        <source>Sun %1</source>
        <translation>周日 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="126"/>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="162"/>
        <source>Search by pinyin</source>
        <translation>拼音首字母查找</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="163"/>
        <source>Confirm and pay</source>
        <translation>确认并支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="164"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="165"/>
        <source>Register without a ticket</source>
        <translation>不打印凭条，继续挂号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="166"/>
        <source>Choose another time</source>
        <translation>选择其他时间</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="175"/>
        <source>The place you chose could not be kept for you while you were paying, so the hospital did not take this payment. Your money is being returned to your account. Reference for staff: %1. Please choose another time.</source>
        <translation>您支付期间，所选号源未能为您保留，医院没有收取这笔费用，款项正在原路退回。工作人员查询号：%1。请重新选择就诊时间。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="408"/>
        <source>Looking up the departments…</source>
        <translation>正在查询科室…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="424"/>
        <source>Registration is not available here</source>
        <translation>本机暂不能挂号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="426"/>
        <source>No department takes bookings at this kiosk. Please ask at the counter.</source>
        <translation>本机目前没有可挂号的科室，请到人工窗口咨询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="481"/>
        <source>Looking up free places…</source>
        <translation>正在查询号源…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="500"/>
        <source>No free places</source>
        <translation>暂无号源</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="502"/>
        <source>%1 has no free places in the next %2 days. Choose another department, or ask at the counter.</source>
        <translation>%1 在未来 %2 天内没有可挂的号。请选择其他科室，或到人工窗口咨询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="530"/>
        <source>Please check your booking</source>
        <translation>请核对挂号信息</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="535"/>
        <source>Department: %1
Doctor: %2
Time: %3
Where: %4
Fee: %5</source>
        <translation>科室：%1
医生：%2
时间：%3
地点：%4
挂号费：%5</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="540"/>
        <source>Department: %1 (general clinic)
Time: %2
Where: %3
Fee: %4</source>
        <translation>科室：%1（普通门诊）
时间：%2
地点：%3
挂号费：%4</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="550"/>
        <source>This kiosk cannot take payments right now. Please register at the counter.</source>
        <translation>本机暂时无法收费，请到人工窗口挂号。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="574"/>
        <source>The ticket printer has run out of paper. You can still register here: your queue number will be shown on this screen, and the counter can print your ticket. Or stop and register at the counter.</source>
        <translation>凭条打印机缺纸。您仍可在本机挂号：排队号会显示在屏幕上，人工窗口可为您补打凭条。也可以停止操作，到人工窗口挂号。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="583"/>
        <source>The ticket printer is not working right now. You can still register here: your queue number will be shown on this screen, and the counter can print your ticket. Or stop and register at the counter.</source>
        <translation>凭条打印机暂时无法使用。您仍可在本机挂号：排队号会显示在屏幕上，人工窗口可为您补打凭条。也可以停止操作，到人工窗口挂号。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="600"/>
        <source>Reserving your place…</source>
        <translation>正在为您锁定号源…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="622"/>
        <source>That time was just taken</source>
        <translation>该时段的号刚刚被挂完</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="624"/>
        <source>Someone else booked the last place of that time a moment ago. Nothing was charged.</source>
        <translation>该时段最后一个号刚被他人挂走，未收取任何费用。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="635"/>
        <source>Please register at the counter</source>
        <translation>请到人工窗口挂号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="637"/>
        <source>Sessions with a registration fee cannot be booked at this kiosk. Nothing was booked or charged. Please register at the counter, or choose a session without a fee.</source>
        <translation>本机不能预约需要挂号费的号源。未预约，也未扣费。请到人工窗口挂号，或选择免挂号费的号源。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="646"/>
        <source>This booking is not possible</source>
        <translation>无法挂这个号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="649"/>
        <source>The hospital system did not accept this booking, and nothing was charged. You can choose another time, or ask at the counter.
The hospital system says: %1</source>
        <translation>医院系统未受理这次挂号，未收取任何费用。您可以选择其他时间，或到人工窗口咨询。
医院系统提示：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="658"/>
        <source>The hospital system did not accept this booking, and nothing was charged. You can choose another time, or ask at the counter.</source>
        <translation>医院系统未受理这次挂号，未收取任何费用。您可以选择其他时间，或到人工窗口咨询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="705"/>
        <source>Confirming your booking…</source>
        <translation>正在确认挂号…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="744"/>
        <location filename="../../kiosk/flows/registration.py" line="778"/>
        <source>You are registered</source>
        <translation>挂号成功</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="746"/>
        <source>Please take your ticket. Go to %1 at %2 and wait until your number is called.</source>
        <translation>请取走凭条。请于 %2 到 %1 候诊，等候叫号。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="752"/>
        <source>Registered, ticket not printed</source>
        <translation>挂号成功，凭条未打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="754"/>
        <source>Please remember your number. Go to %1 at %2 and wait until it is called. The counter can print your ticket again.</source>
        <translation>请记住您的排队号，于 %2 到 %1 候诊，等候叫号。人工窗口可为您补打凭条。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="762"/>
        <location filename="../../kiosk/flows/registration.py" line="784"/>
        <source>Registered without a ticket</source>
        <translation>挂号成功（未打印凭条）</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="764"/>
        <source>Please remember your number. Go to %1 at %2 and wait until it is called. The counter can print your ticket.</source>
        <translation>请记住您的排队号，于 %2 到 %1 候诊，等候叫号。人工窗口可为您打印凭条。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="780"/>
        <source>Please take your ticket. Go to %1 at %2 and wait there to be called.</source>
        <translation>请取走挂号凭条。请于%2到%1候诊，等候叫号。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="786"/>
        <source>Go to %1 at %2 and wait there to be called. The counter can print your ticket.</source>
        <translation>请于%2到%1候诊，等候叫号。人工窗口可以为您打印凭条。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="807"/>
        <source>Choose a department</source>
        <translation>请选择科室</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="810"/>
        <source>Tap the department you want to see, or search for it.</source>
        <translation>请点击要就诊的科室，或按拼音查找。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="822"/>
        <source>Type the first letters of the pinyin, e.g. NK for 内科.</source>
        <translation>请输入科室名称的拼音首字母，例如“内科”输入 NK。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="825"/>
        <source>No department matches %1. Tap Delete to change it.</source>
        <translation>没有与 %1 匹配的科室，请点“删除”修改。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="828"/>
        <source>Tap your department.</source>
        <translation>请点击您要挂号的科室。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="831"/>
        <source>Search for a department</source>
        <translation>查找科室</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="846"/>
        <source>Choose a doctor · %1</source>
        <translation>选择医生 · %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="848"/>
        <source>Doctors with free places in the next %1 days.</source>
        <translation>未来 %1 天内有号的医生。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="860"/>
        <source>Fee %1 · first free %2 · %3 places</source>
        <translation>挂号费 %1 · 最早 %2 · 余 %3 个号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="871"/>
        <location filename="../../kiosk/flows/registration.py" line="873"/>
        <source>Choose a time · %1</source>
        <translation>选择时间 · %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="878"/>
        <source>Tap the day and time you want to come.</source>
        <translation>请点击您要就诊的日期和时间。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/registration.py" line="888"/>
        <source>%1 places left · fee %2</source>
        <translation>余 %1 个号 · 挂号费 %2</translation>
    </message>
    <message>
        <location filename="../../kiosk/voice/commands.py" line="549"/>
        <source>Leave out: %1</source>
        <translation>不交这一项：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/voice/commands.py" line="550"/>
        <source>Add: %1</source>
        <translation>加上这一项：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/voice/commands.py" line="551"/>
        <source>Go back to the start</source>
        <translation>回到首页</translation>
    </message>
    <message>
        <location filename="../../kiosk/voice/commands.py" line="552"/>
        <source>Card number %1</source>
        <translation>卡号 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/voice/commands.py" line="553"/>
        <source>More time</source>
        <translation>再给我一点时间</translation>
    </message>
</context>
<context>
    <name>speech</name>
    <message>
        <location filename="../../kiosk/voice/prompts.py" line="94"/>
        <source>The session ends in %1 seconds.</source>
        <translation>本次服务将在%1秒后结束。</translation>
    </message>
    <message>
        <location filename="../../kiosk/voice/prompts.py" line="99"/>
        <source>Touch “%1” if you need more time.</source>
        <translation>如需更多时间，请点击“%1”。</translation>
    </message>
    <message>
        <location filename="../../kiosk/voice/prompts.py" line="127"/>
        <source>You can also touch “%1”.</source>
        <translation>您也可以点击“%1”。</translation>
    </message>
    <message>
        <location filename="../../kiosk/voice/prompts.py" line="173"/>
        <source>Your number is %1.</source>
        <translation>您的号码是%1号。</translation>
    </message>
</context>
</TS>
